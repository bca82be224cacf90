// Models on GPU clouds behind the local gateway: the plan (fit, prices, secrets), the gateway routes, and the
// cloud-gpu stack on the mock runtime.
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runOffline } from "../bin/offline/run";
import { renderSummary } from "../bin/offline/summary";
import { IMAGES, lockedImage, RUNPOD_WORKER } from "../components/catalog";
import { readStackFile } from "../bin/offline/stackFile";
import { cloudAppName } from "../components/plan";
import { modalAppSpec, modalDeployScript, modalStopScript } from "../components/cloud/modal";
import { runpodEndpointSpec } from "../components/cloud/runpod";
import { isCloud, plan, type CloudModel } from "../components/plan";
import { describeGateway, dockerEndpoints } from "../components/render";
import { renderLiteLlmConfig } from "../components/render";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { requireTool, run, toolTitle } from "./helpers/tools";

const ROOT = join(__dirname, "..");
const MODAL_SECRETS = ["modalTokenId", "modalTokenSecret", "modalProxyTokenId", "modalProxyTokenSecret"];
const SECRETS = [...MODAL_SECRETS, "runpodApiKey", "hfToken", "openaiApiKey"];
const layer = (backend: object, extra: object = {}) => ({
  target: { kind: "docker" },
  models: [{ name: "chat", model: "llama-3.1-8b-instruct", backend, ...extra }],
});
const build = (raw: unknown, secrets = SECRETS) =>
  plan(parseLayerSpec(raw), { stack: "t", providedSecrets: new Set(secrets) });
const problems = (raw: unknown, secrets = SECRETS) => {
  try {
    build(raw, secrets);
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a rejection");
};
const modal = { kind: "modal", workspace: "acme", gpu: { type: "L4" }, workers: { min: 0, max: 4 } };

describe("plan", () => {
  it("prices workers from the cloud catalog: Modal L4 $0.7992/h, 0–4 workers", () => {
    const p = build(layer(modal));
    const chat = p.models.find(isCloud)!;
    expect(chat).toMatchObject({
      runtime: "modal",
      usdPerWorkerHour: 0.7992,
      workers: { min: 0, max: 4 },
      apiBaseEnv: "CHAT_API_BASE",
    });
    // 0 warm workers cost nothing; 4 × 0.7992 = 3.1968 $/h; × 730 = 2333.664 → 2333.66.
    expect(p.cost).toMatchObject({ perHourUsd: 0, perHourMaxUsd: 3.1968, perMonthMaxUsd: 2333.66 });
  });

  it("Runpod prices by the second: L4 flex $0.00019/s = $0.684/h per worker", () => {
    const p = build(layer({ kind: "runpod", gpu: { type: "L4" }, workers: { min: 1, max: 2 } }));
    expect(p.models.find(isCloud)!.usdPerWorkerHour).toBe(0.684);
    expect(p.cost.perHourUsd).toBe(0.684);
  });

  it("applies the same GPU fit: Llama-3.1-8B at 131072 tokens does not fit a Modal L4", () => {
    const found = problems(layer(modal, { contextLength: 131072 }));
    expect(found.map((p) => p.path)).toEqual(["layer.models[0].backend.gpu"]);
    expect(found[0]!.message).toContain("set contextLength to 36864 or less");
  });

  it("rejects a GPU the provider does not rent, naming what it has", () => {
    const found = problems(layer({ kind: "runpod", gpu: { type: "T4" } }));
    expect(found[0]).toMatchObject({ path: "layer.models[0].backend.gpu.type" });
    expect(found[0]!.message).toContain("L4, L40S, A100-80GB, H100");
  });

  it("needs the provider's secrets (nothing to generate) and Modal's workspace", () => {
    expect(problems(layer(modal), ["hfToken"]).map((p) => p.message)).toEqual([
      expect.stringContaining("pulumi config set --secret ai-layer:modalTokenId"),
      expect.stringContaining("pulumi config set --secret ai-layer:modalTokenSecret"),
      expect.stringContaining("pulumi config set --secret ai-layer:modalProxyTokenId wk-…"),
      expect.stringContaining("pulumi config set --secret ai-layer:modalProxyTokenSecret ws-…"),
    ]);
    expect(problems(layer({ ...modal, workspace: undefined }))[0]!.path).toBe(
      "layer.models[0].backend.workspace",
    );
  });

  it("refuses a gated repository on a GPU cloud without the Hugging Face token, naming the fix", () => {
    const runpod = { kind: "runpod", gpu: { type: "L4" } };
    const found = problems(layer(runpod), ["runpodApiKey"]);
    expect(found).toEqual([
      {
        path: "layer.models[0].model",
        message: expect.stringContaining("pulumi config set --secret ai-layer:hfToken"),
      },
    ]);
    expect(problems(layer(modal), MODAL_SECRETS)[0]!.path).toBe("layer.models[0].model");
  });

  it("only behind the docker target's gateway for now", () => {
    const found = problems({
      target: { kind: "kubernetes", context: "c" },
      models: [{ name: "chat", model: "llama-3.1-8b-instruct", backend: modal }],
    });
    expect(found.map((p) => p.path)).toContain("layer.models[0].backend");
  });
});

describe("gateway routes", () => {
  it("routes the name to hosted_vllm with the base URL and key from the env", () => {
    const p = build({
      ...layer(modal),
      models: [
        ...layer(modal).models,
        { name: "fast", model: "llama-3.2-3b-instruct", backend: { kind: "runpod", gpu: { type: "L4" } } },
      ],
    });
    const cfg = parse(renderLiteLlmConfig(p, dockerEndpoints(p).gateway));
    const entry = (name: string) => cfg.model_list.find((m: { model_name: string }) => m.model_name === name);
    // The Modal app requires proxy auth: the token travels as Modal-Key/Modal-Secret, by env reference only.
    expect(entry("chat").litellm_params).toEqual({
      model: "hosted_vllm/chat",
      api_base: "https://acme--ai-layer-t-chat-serve.modal.run/v1",
      api_key: "os.environ/VLLM_API_KEY",
      extra_headers: {
        "Modal-Key": "os.environ/MODAL_PROXY_TOKEN_ID",
        "Modal-Secret": "os.environ/MODAL_PROXY_TOKEN_SECRET",
      },
    });
    expect(entry("fast").litellm_params).toEqual({
      model: "hosted_vllm/fast",
      api_base: "os.environ/FAST_API_BASE",
      api_key: "os.environ/RUNPOD_API_KEY",
    });
  });

  it("builds the provider specs from the plan", () => {
    const p = build({
      ...layer(modal),
      models: [
        {
          name: "chat",
          model: "llama-3.1-8b-instruct",
          revision: "abc123",
          backend: {
            kind: "runpod",
            gpu: { type: "H100" },
            workers: { min: 0, max: 3 },
            idleTimeoutSeconds: 120,
          },
        },
      ],
    });
    const m = p.models.find(isCloud) as CloudModel;
    expect(runpodEndpointSpec(m, cloudAppName("t", "chat"))).toMatchObject({
      name: "ai-layer-t-chat",
      model: "meta-llama/Llama-3.1-8B-Instruct",
      servedModelName: "chat",
      maxModelLen: 8192,
      gpuTypeIds: ["NVIDIA H100 80GB HBM3"],
      workersMin: 0,
      workersMax: 3,
      idleTimeoutSeconds: 120,
    });
    const spec = modalAppSpec(
      build(layer(modal)).models.find(isCloud) as CloudModel,
      "ai-layer-t-chat",
      true,
    );
    expect(spec).toMatchObject({
      gpu: { type: "L4", count: 1 },
      minContainers: 0,
      maxContainers: 4,
      apiKeySecretName: "ai-layer-t-chat-vllm",
      hfSecretName: "ai-layer-t-chat-hf",
    });
  });
});

const hasShellcheck = requireTool("shellcheck");
describe.skipIf(!hasShellcheck)(
  toolTitle(
    "shellcheck on the modal deploy script",
    "shellcheck",
    hasShellcheck,
    "apt-get install shellcheck",
  ),
  () => {
    it.each([[true], [false]])("with HF token %s", (hf) => {
      for (const script of [modalDeployScript, modalStopScript]) {
        const r = run("shellcheck", ["-s", "sh", "-"], {
          input: `#!/bin/sh\n${script("ai-layer-dev-chat", hf)}\n`,
        });
        expect(r.status, r.stdout).toBe(0);
      }
    });
  },
);

describe("the cloud-gpu stack on the mock runtime", async () => {
  const {
    resources,
    files,
    plan: p,
  } = await runOffline("cloud-gpu", readStackFile(join(ROOT, "stacks", "Pulumi.cloud-gpu.yaml")));

  it("creates the Modal app and the Runpod endpoint, with every secret in masked env", () => {
    const apps = resources
      .filter((r) => r.type === "ai-layer:index:ModalVllmApp")
      .map((r) => (r.inputs as { appName: string }).appName);
    expect(apps).toEqual(["ai-layer-cloud-gpu-chat"]);
    const endpoints = resources.filter((r) => r.type === "ai-layer:index:RunpodServerlessEndpoint");
    expect(endpoints.map((r) => (r.inputs as { endpointName: string }).endpointName)).toEqual([
      "ai-layer-cloud-gpu-chat-small",
    ]);
    // The GPU-cloud lifecycles; the third command pulls the Ollama models (no secrets, docker.hostOllama.test.ts).
    const commands = resources.filter(
      (r) => r.type === "command:local:Command" && !r.name.endsWith("-ollama-models-pull"),
    );
    expect(commands).toHaveLength(2);
    for (const cmd of commands) expect((cmd.inputs as { environment: unknown }).environment).toBe("[secret]");
    const deletes = commands.map((c) => (c.inputs as { delete: string }).delete);
    expect(deletes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/components\/runpod\/endpointCommand\.ts delete$/),
        expect.stringContaining("modal app stop --yes ai-layer-cloud-gpu-chat </dev/null"),
      ]),
    );
  });

  it("gives the Runpod endpoint the Hugging Face token (gated meta-llama) as a secret, never in plain inputs", () => {
    const cmd = resources.find((r) => r.type === "command:local:Command" && r.name.endsWith("-runpod"))!;
    const inputs = cmd.inputs as { triggers: string[]; environment: unknown };
    expect(JSON.parse(inputs.triggers[0]!)).toMatchObject({
      model: "meta-llama/Llama-3.2-3B-Instruct",
      hfTokenFromEnv: true,
    });
    expect(inputs.environment).toBe("[secret]");
    expect(JSON.stringify(resources)).not.toMatch(/placeholder-set-your-own|hf_/);
  });

  it("the summary says the Runpod worker runs another vLLM than the pinned one, with both versions", () => {
    // runpod-workers/worker-vllm v2.25.2 Dockerfile: ARG VLLM_VERSION=v0.27.1; the project pins v0.25.1.
    expect(RUNPOD_WORKER).toEqual({ image: "runpod/worker-v1-vllm:v2.25.2", vllmVersion: "v0.27.1" });
    // The worker image with the lock's digest when it has one (components/catalog/imageDigests.ts).
    const worker = lockedImage(RUNPOD_WORKER.image);
    expect(runpodEndpointSpec(p.models.find((m) => m.runtime === "runpod") as CloudModel, "x").image).toBe(
      worker,
    );
    const line = renderSummary(p, resources, files)
      .split("\n")
      .find((l) => l.startsWith("- runpod worker"));
    expect(line).toContain(`(chat-small): ${worker} (pinned by `);
    expect(line).toContain("which runs vLLM v0.27.1");
    expect(line).toContain(`NOT the pinned vLLM v0.25.1 (${IMAGES.vllm})`);
  });

  it("routes chat to the Modal URL and chat-small to the Runpod endpoint's URL from the env", () => {
    const cfg = parse(files.find((f) => f.path === "litellm/config.yaml")!.content);
    const params = (name: string) =>
      cfg.model_list.find((m: { model_name: string }) => m.model_name === name).litellm_params;
    expect(params("chat")).toMatchObject({
      model: "hosted_vllm/chat",
      api_base: "https://my-team--ai-layer-cloud-gpu-chat-serve.modal.run/v1",
    });
    expect(params("chat-small")).toMatchObject({
      model: "hosted_vllm/chat-small",
      api_base: "os.environ/CHAT_SMALL_API_BASE",
      api_key: "os.environ/RUNPOD_API_KEY",
    });
  });

  it("the gateway sends the Modal proxy token (secret env, os.environ/ references) to the Modal app only", () => {
    const cfg = parse(files.find((f) => f.path === "litellm/config.yaml")!.content);
    const params = (name: string) =>
      cfg.model_list.find((m: { model_name: string }) => m.model_name === name).litellm_params;
    expect(params("chat").extra_headers).toEqual({
      "Modal-Key": "os.environ/MODAL_PROXY_TOKEN_ID",
      "Modal-Secret": "os.environ/MODAL_PROXY_TOKEN_SECRET",
    });
    expect(params("chat-small").extra_headers).toBeUndefined();
    expect(describeGateway(p).env).toEqual(
      expect.arrayContaining([
        { name: "MODAL_PROXY_TOKEN_ID", secret: "modalProxyTokenId" },
        { name: "MODAL_PROXY_TOKEN_SECRET", secret: "modalProxyTokenSecret" },
      ]),
    );
    // User-supplied: the plan never generates a proxy token (only Modal can issue one).
    expect(p.secrets.filter((s) => s.configKey.startsWith("modalProxy"))).toEqual([
      expect.objectContaining({ configKey: "modalProxyTokenId", generated: false }),
      expect.objectContaining({ configKey: "modalProxyTokenSecret", generated: false }),
    ]);
  });

  it("fallbacks reference existing names and no provider key is in the files", () => {
    const cfg = parse(files.find((f) => f.path === "litellm/config.yaml")!.content);
    const names = new Set(cfg.model_list.map((m: { model_name: string }) => m.model_name));
    for (const group of cfg.router_settings.fallbacks)
      for (const [from, to] of Object.entries<string[]>(group))
        [from, ...to].forEach((n) => expect(names).toContain(n));
    expect(files.map((f) => f.content).join("\n")).not.toMatch(/sk-|hf_|placeholder-set-your-own/);
    // 4 Modal L4 workers at $0.7992/h + 2 Runpod L4 workers at $0.00019/s × 3600 = $0.684/h.
    expect(p.cost.perHourMaxUsd).toBeCloseTo(4 * 0.7992 + 2 * 0.684, 6);
  });
});
