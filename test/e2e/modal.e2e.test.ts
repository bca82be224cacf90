import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { modalAppSpec } from "../../components/cloud/modal";
import { isCloud, plan, type CloudModel, type Plan } from "../../components/plan";
import { MODAL_FUNCTION_NAME, MODAL_VLLM_PORT, renderModalApp } from "../../components/render";
import { parseLayerSpec } from "../../components/spec";
import { startLayer, VENV_PYTHON, type RunningLayer, type Secrets } from "./layer";
import { E2E_GATEWAY } from "./plans";
import { stopAll, tempDir } from "./processes";
import { openAiStub } from "./stubs/openai";
import type { StubServer } from "./stubs/stubServer";
import { describeWithTools } from "./tools";

/** Every secret a Modal model needs (deploy token, proxy auth token, Hugging Face token for gated Llama). */
const MODAL_SECRET_KEYS = [
  "modalTokenId",
  "modalTokenSecret",
  "modalProxyTokenId",
  "modalProxyTokenSecret",
  "hfToken",
];

/** What modal recorded for a function (test/e2e/modalProbe.py). */
interface ModalFunction {
  gpus: [string, number][];
  min_containers: number;
  max_containers: number;
  scaledown_window: number;
  timeout: number;
  startup_timeout: number;
  secrets: string[];
  web_server_port: number | null;
  web_server_startup_timeout: number | null;
  max_concurrent_inputs: number | null;
  requires_proxy_auth: boolean | null;
}

describeWithTools(
  "the generated Modal app, imported with the real modal package",
  ["python (.venv-e2e)"],
  () => {
    let model: CloudModel;
    let fn: ModalFunction;
    let appName: string;
    let dir: string;

    beforeAll(() => {
      const p = plan(
        parseLayerSpec({
          target: { kind: "docker" },
          models: [
            {
              name: "chat",
              model: "llama-3.1-8b-instruct",
              backend: {
                kind: "modal",
                workspace: "acme",
                gpu: { type: "L4", count: 2 },
                workers: { min: 1, max: 4 },
              },
            },
          ],
        }),
        { stack: "e2e", providedSecrets: new Set(MODAL_SECRET_KEYS) },
      );
      model = p.models.find(isCloud)!;
      dir = tempDir("modal");
      const file = join(dir, "app.py");
      // As components/cloud/modal.ts deploys it (modalAppSpec, with the HF token secret).
      writeFileSync(file, renderModalApp(modalAppSpec(model, model.appName, true)));
      // No MODAL_* token in the env: importing must not need one (nothing is deployed or looked up).
      const r = spawnSync(VENV_PYTHON, [join(__dirname, "modalProbe.py"), file], {
        encoding: "utf8",
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir },
        timeout: 60_000,
      });
      if (r.status !== 0) throw new Error(`modal import failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { app: string; functions: Record<string, ModalFunction> };
      appName = out.app;
      fn = out.functions[MODAL_FUNCTION_NAME]!;
    });
    afterAll(() => stopAll([], dir));

    it("its one function's spec equals the plan: GPU, containers, scale-down window, secrets, web server port", () => {
      expect(appName).toBe(model.appName);
      expect(fn.gpus).toEqual([[model.gpu.providerId, model.gpu.count]]);
      expect(fn).toMatchObject({
        min_containers: model.workers.min,
        max_containers: model.workers.max,
        scaledown_window: model.idleTimeoutSeconds,
        web_server_port: MODAL_VLLM_PORT,
      });
      expect(fn.secrets).toEqual([
        `modal.Secret.from_name('${model.appName}-vllm')`,
        `modal.Secret.from_name('${model.appName}-hf')`,
      ]);
    });

    // Modal's proxy then refuses any request without a proxy token's Modal-Key/Modal-Secret before it reaches vLLM
    // (modal 1.6.4 modal/_partial_function.py _web_server: WebhookConfig(requires_proxy_auth=…)).
    it("its web server requires Modal proxy auth", () => {
      expect(fn.requires_proxy_auth).toBe(true);
    });

    it("timeouts: the plan sets none, so the app's are the renderer's documented defaults (600 s request, 1200 s port wait)", () => {
      expect(fn.timeout).toBe(600);
      expect(fn.web_server_startup_timeout).toBe(1200);
    });

    // modal applies `timeout` to start-up unless the function sets startup_timeout (modal/app.py _App.function:
    // `startup_timeout=startup_timeout or timeout`): a first start that downloads weights would die at 600 s.
    it("the container start-up timeout is the web server's 1200 s, not the 600 s request timeout", () => {
      expect(fn.startup_timeout).toBe(1200);
      expect(fn.startup_timeout).toBe(fn.web_server_startup_timeout);
    });
  },
);

/** Secrets as Pulumi would hand them to the gateway container; proxy token parts shaped like Modal's (wk-/ws-). */
const GATEWAY_SECRETS: Secrets = {
  gatewayMasterKey: "sk-e2e-master-0123456789abcdef0123456789abcdef0123",
  vllmApiKey: "vllm-e2e-key-0123456789",
  modalProxyTokenId: "wk-e2e0123456789",
  modalProxyTokenSecret: "ws-e2e0123456789abcdef",
};
/** What Modal's proxy answers without credentials (modal docs guide/webhook-proxy-auth, the curl example). */
const MODAL_401 = "modal-http: missing credentials for proxy authorization";

describeWithTools(
  "a Modal model behind the real LiteLLM gateway sends the proxy token Modal requires",
  ["litellm (.venv-e2e)"],
  () => {
    let modal: StubServer;
    let layer: RunningLayer;
    let client: OpenAI;
    let model: CloudModel;

    beforeAll(async () => {
      const p = plan(
        parseLayerSpec({
          target: { kind: "docker" },
          models: [
            {
              name: "chat",
              model: "llama-3.1-8b-instruct",
              backend: { kind: "modal", workspace: "acme", gpu: { type: "L4" } },
            },
          ],
          gateway: E2E_GATEWAY,
          cache: { enabled: false },
          monitoring: { enabled: false },
        }),
        { stack: "e2e", providedSecrets: new Set(MODAL_SECRET_KEYS) },
      );
      model = p.models.find(isCloud)!;
      // vLLM on Modal as the gateway sees it: vLLM's OpenAI server behind Modal's proxy, which answers 401 unless
      // both token headers carry the token (the stub checks exact values).
      modal = await openAiStub("modal", [model.name]).start();
      modal.requireHeaders(
        {
          "Modal-Key": GATEWAY_SECRETS.modalProxyTokenId!,
          "Modal-Secret": GATEWAY_SECRETS.modalProxyTokenSecret!,
        },
        MODAL_401,
      );
      // Only the endpoint differs from the plan (the real one is https://acme--…modal.run/v1), as targets pass
      // endpoints to the one renderer; headers, key and route are the plan's.
      const routed: Plan = {
        ...p,
        models: p.models.map((m) => (isCloud(m) ? { ...m, apiBase: `${modal.url}/v1` } : m)),
      };
      layer = await startLayer({ plan: routed, secrets: GATEWAY_SECRETS, endpoints: {} });
      client = new OpenAI({
        baseURL: `${layer.gatewayUrl}/v1`,
        apiKey: GATEWAY_SECRETS.gatewayMasterKey!,
        maxRetries: 0,
      });
    });
    afterAll(async () => {
      await layer?.stop();
      await modal?.stop();
    });

    it("the endpoint refuses a request without the token (the stub stands for Modal's proxy)", async () => {
      const r = await fetch(`${modal.url}/v1/models`, {
        headers: { authorization: `Bearer ${GATEWAY_SECRETS.vllmApiKey}` },
      });
      expect(r.status).toBe(401);
      expect(await r.text()).toBe(MODAL_401);
    });

    it("the rendered config names the token only by env reference", () => {
      const config = readFileSync(join(layer.dir, "config.yaml"), "utf8");
      expect(config).toContain("Modal-Key: os.environ/MODAL_PROXY_TOKEN_ID");
      expect(config).toContain("Modal-Secret: os.environ/MODAL_PROXY_TOKEN_SECRET");
      for (const value of Object.values(GATEWAY_SECRETS)) expect(config).not.toContain(value);
    });

    it("chat, plain and streamed, reaches the endpoint with Modal-Key, Modal-Secret and vLLM's Bearer key", async () => {
      modal.clear();
      const plain = await client.chat.completions.create({
        model: model.name,
        messages: [{ role: "user", content: `modal ${Date.now()}` }],
      });
      expect(plain.choices[0]!.message.content).toBe(`hello from modal ${model.name}`);
      let streamed = "";
      for await (const chunk of await client.chat.completions.create({
        model: model.name,
        stream: true,
        messages: [{ role: "user", content: `modal stream ${Date.now()}` }],
      }))
        streamed += chunk.choices[0]?.delta?.content ?? "";
      expect(streamed.trim()).toBe(`hello from modal ${model.name}`);
      const calls = modal.calls("/v1/chat/completions");
      expect(calls.map((c) => c.stream)).toEqual([false, true]);
      for (const c of calls) {
        expect(c.headers["modal-key"]).toBe(GATEWAY_SECRETS.modalProxyTokenId);
        expect(c.headers["modal-secret"]).toBe(GATEWAY_SECRETS.modalProxyTokenSecret);
        expect(c.authorization).toBe(`Bearer ${GATEWAY_SECRETS.vllmApiKey}`);
      }
    });

    // Last: a refused call may put the deployment in cooldown.
    it("with another token required (e.g. the one in config was rotated away), the gateway's call is refused", async () => {
      modal.requireHeaders(
        { "Modal-Key": GATEWAY_SECRETS.modalProxyTokenId!, "Modal-Secret": "ws-rotated" },
        MODAL_401,
      );
      modal.clear();
      await expect(
        client.chat.completions.create({
          model: model.name,
          messages: [{ role: "user", content: `refused ${Date.now()}` }],
        }),
      ).rejects.toMatchObject({ status: 401 });
      expect(modal.calls("/v1/chat/completions").length).toBeGreaterThan(0);
    });
  },
);
