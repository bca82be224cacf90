// The Modal app's command resource (components/cloud/modal.ts): its create, update and delete strings, exactly as the
// cloud-gpu stack gives them to the command provider, run through bash against a fake `modal` CLI on PATH that
// behaves like modal 1.6.4 (test/helpers/fakeModal.ts): deploy, redeploy in place, stop idempotently, fail on real
// errors, and never put a secret value on a command line.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOffline } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { modalAppSpec, modalCommandEnvironment } from "../components/cloud/modal";
import { isCloud, type CloudModel } from "../components/plan";
import { renderModalApp } from "../components/render";
import { installFakeModal, type FakeModal } from "./helpers/fakeModal";

const ROOT = join(__dirname, "..");
const APP = "ai-layer-cloud-gpu-chat";
const SECRETS = {
  tokenId: "ak-fake-token-id",
  tokenSecret: "as-fake-token-secret",
  vllmApiKey: "sk-vllm-key-with-'quotes'-and-$dollar",
  hfToken: "hf_fake_gated_token",
};

describe("the Modal app's create/update/delete against a fake modal CLI", async () => {
  const { resources, plan } = await runOffline(
    "cloud-gpu",
    readStackFile(join(ROOT, "stacks", "Pulumi.cloud-gpu.yaml")),
  );
  const cmd = resources.find((r) => r.type === "command:local:Command" && r.name.endsWith("-chat-modal"))!;
  const inputs = cmd.inputs as { create: string; update?: string; delete: string; triggers: unknown[] };
  const model = plan.models.filter(isCloud).find((m) => m.runtime === "modal") as CloudModel;
  const app = (maxContainers: number) => renderModalApp({ ...modalAppSpec(model, APP, true), maxContainers });

  const run = (fake: FakeModal, script: string | undefined, extra: Record<string, string> = {}) => {
    expect(script, "the resource has this step").toBeTypeOf("string");
    return spawnSync("bash", ["-c", script!], {
      env: { ...process.env, ...fake.env, ...extra },
      input: "",
      encoding: "utf8",
    });
  };
  const env = (maxContainers = 4) => modalCommandEnvironment(app(maxContainers), SECRETS);

  it("replaces only when the app name changes; any other change is an update", () => {
    expect(inputs.triggers).toEqual([APP]);
    expect(inputs.update).toBe(inputs.create);
  });

  it("create deploys the app and stores its secrets from 0600 files, never from argv", () => {
    const fake = installFakeModal();
    const r = run(fake, inputs.create, env());
    expect(r.status, r.stderr).toBe(0);
    expect(fake.appState(APP)).toBe("deployed");
    expect(fake.secret(`${APP}-vllm`)).toMatchObject({
      json: { VLLM_API_KEY: SECRETS.vllmApiKey },
      mode: "600",
    });
    expect(fake.secret(`${APP}-hf`)).toMatchObject({ json: { HF_TOKEN: SECRETS.hfToken }, mode: "600" });
    // The files are gone once the step ends.
    expect(existsSync(fake.secret(`${APP}-vllm`)!.path)).toBe(false);
    const argv = fake.calls().join("\n");
    for (const value of Object.values(SECRETS)) expect(argv).not.toContain(value);
  });

  it("a change redeploys in place: the update step never stops the app", () => {
    const fake = installFakeModal();
    expect(run(fake, inputs.create, env(4)).status).toBe(0);
    const r = run(fake, inputs.update, env(6));
    expect(r.status, r.stderr).toBe(0);
    expect(fake.appState(APP)).toBe("deployed");
    expect(fake.calls().filter((c) => c.startsWith("deploy "))).toHaveLength(2);
    expect(fake.calls().some((c) => c.startsWith("app stop"))).toBe(false);
  });

  it("delete stops the app (with --yes) and removes its secrets; again, or never deployed, is still success", () => {
    const fake = installFakeModal();
    expect(run(fake, inputs.create, env()).status).toBe(0);
    const first = run(fake, inputs.delete, env());
    expect(first.status, first.stderr).toBe(0);
    expect(fake.appState(APP)).toBe("stopped");
    expect(fake.secret(`${APP}-vllm`)).toBeUndefined();
    expect(fake.secret(`${APP}-hf`)).toBeUndefined();
    const again = run(fake, inputs.delete, env());
    expect(again.status, again.stderr).toBe(0);
    const never = installFakeModal();
    const r = run(never, inputs.delete, env());
    expect(r.status, r.stderr).toBe(0);
  });

  it("delete still fails on a real error, with modal's message", () => {
    const fake = installFakeModal();
    expect(run(fake, inputs.create, env()).status).toBe(0);
    const r = run(fake, inputs.delete, { ...env(), FAKE_MODAL_ERROR: "Token ID is malformed" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Token ID is malformed");
  });

  it("the fake refuses like modal 1.6.4: no --yes without a terminal, an already stopped app, an unknown app", () => {
    const fake = installFakeModal();
    expect(run(fake, inputs.create, env()).status).toBe(0);
    const noYes = run(fake, `modal app stop ${APP}`);
    expect(noYes.status).toBe(1);
    expect(noYes.stderr).toContain("Rerun with --yes");
    expect(run(fake, `modal app stop --yes ${APP}`).status).toBe(0);
    expect(run(fake, `modal app stop --yes ${APP}`).stderr).toContain("App is already stopped");
    expect(run(fake, "modal app stop --yes nope").stderr).toContain("No App with name 'nope' found");
  });
});
