// The dev layer on the host's own Ollama (target.ollama.on: host) through the real gateway: LiteLLM 1.104.9 must
// carry the planned context length to Ollama on each chat request, since the layer does not configure that Ollama.
import { afterAll, beforeAll, expect, it } from "vitest";
import { isOllama, plan, type Plan } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";
import { type DevLayer, startDevLayer } from "./devLayer";
import { devLayerRaw, E2E_GATEWAY } from "./plans";
import { describeWithTools } from "./tools";

function hostOllamaPlan(): Plan {
  const raw = devLayerRaw();
  raw.target = { ...(raw.target as object), ollama: { on: "host", memoryGiB: 21 } };
  raw.gateway = { ...(raw.gateway as object), ...E2E_GATEWAY };
  return plan(parseLayerSpec(raw), { stack: "dev" });
}

describeWithTools("the gateway on the host's own Ollama", ["litellm (.venv-e2e)", "redis-server"], () => {
  let dev: DevLayer | undefined;
  let p: Plan;
  beforeAll(async () => {
    p = hostOllamaPlan();
    dev = await startDevLayer(p);
  });
  afterAll(() => dev?.stop());

  it("each chat request reaches Ollama with options.num_ctx = the planned context; embeddings without it", async () => {
    for (const m of p.models.filter(isOllama)) {
      if (m.kind === "chat") {
        await dev!.client.chat.completions.create({
          model: m.name,
          messages: [{ role: "user", content: `num_ctx check ${m.name}` }],
        });
        const call = dev!.ollama.calls("/api/chat", m.ollamaTag).at(-1)!;
        expect((call.body as { options?: { num_ctx?: number } }).options?.num_ctx).toBe(m.contextLength);
      } else {
        await dev!.client.embeddings.create({
          model: m.name,
          input: "context check",
          encoding_format: "float",
        });
        const call = dev!.ollama.calls("/api/embed", m.ollamaTag).at(-1)!;
        expect(call.body).toEqual({ model: m.ollamaTag, input: ["context check"], keep_alive: "30m" });
      }
    }
    expect(
      p.models.filter((m) => m.kind === "chat").map((m) => (m as { contextLength: number }).contextLength),
    ).toEqual([8192, 8192]);
  });
});
