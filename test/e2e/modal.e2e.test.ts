import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { modalAppSpec } from "../../components/cloud/modal";
import { isCloud, plan, type CloudModel } from "../../components/plan";
import { MODAL_FUNCTION_NAME, MODAL_VLLM_PORT, renderModalApp } from "../../components/render";
import { parseLayerSpec } from "../../components/spec";
import { VENV_PYTHON } from "./layer";
import { stopAll, tempDir } from "./processes";
import { describeWithTools } from "./tools";

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
        { stack: "e2e", providedSecrets: new Set(["modalTokenId", "modalTokenSecret", "hfToken"]) },
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
