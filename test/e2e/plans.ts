import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { plan, type Plan } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";

/** The raw `ai-layer:layer` object of stacks/Pulumi.dev.yaml (no vitest import: the benchmark uses it too). */
export function devLayerRaw(): Record<string, unknown> {
  const file = join(__dirname, "..", "..", "stacks", "Pulumi.dev.yaml");
  const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> };
  return structuredClone(doc.config["ai-layer:layer"]!);
}

/** Short timeouts, set through the spec as a user would, so a hanging upstream fails within seconds. */
export const E2E_GATEWAY = { timeoutSeconds: 3, streamTimeoutSeconds: 3, numRetries: 1 } as const;

/** The dev stack (stacks/Pulumi.dev.yaml: Ollama models, chat → chat-small fallback, cache, monitoring). */
export function devPlan(
  overrides: { gateway?: Record<string, unknown>; monitoring?: Record<string, unknown> } = {},
): Plan {
  const raw = devLayerRaw();
  raw.gateway = { ...(raw.gateway as object), ...E2E_GATEWAY, ...overrides.gateway };
  raw.monitoring = { ...(raw.monitoring as object), ...overrides.monitoring };
  return plan(parseLayerSpec(raw), { stack: "dev" });
}

/**
 * A Kubernetes-style gateway: chat and embed on vLLM (hosted_vllm routes, the VLLM_API_KEY), and a remote
 * openai-compatible model as chat's fallback, its API at `remoteApiBase` (the remote stub).
 */
export function kubernetesPlan(remoteApiBase: string): Plan {
  const spec = parseLayerSpec({
    target: { kind: "kubernetes", context: "e2e" },
    models: [
      { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } },
      { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
      {
        name: "overflow",
        remote: { provider: "openai-compatible", model: "remote-large", apiBase: remoteApiBase },
      },
    ],
    gateway: { ...E2E_GATEWAY, fallbacks: { chat: ["overflow"] } },
  });
  return plan(spec, { stack: "e2e-k8s", providedSecrets: new Set(["hfToken", "remoteApiKey"]) });
}
