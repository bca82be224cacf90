// How `npm run smoke` reaches a gateway inside a cluster: the kubectl port-forward arguments from the plan, and the
// forward started with a stand-in kubectl (a script on PATH that prints kubectl's line and waits).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readStackFile } from "../bin/offline/stackFile";
import { validateStackConfig } from "../bin/offline/validate";
import { forwardedPort, gatewayPortForwardArgs, startPortForward } from "../bin/smoke/portForward";

const ROOT = join(__dirname, "..");
const planOf = (stack: string) =>
  validateStackConfig(stack, readStackFile(join(ROOT, "stacks", `Pulumi.${stack}.yaml`)));

describe("smoke reaches an in-cluster gateway through kubectl port-forward", () => {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-kubectl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("forwards the plan's gateway Service in its namespace and context; docker plans need none", () => {
    const staging = planOf("staging");
    if (staging.target.kind !== "kubernetes") throw new Error("staging is a kubernetes stack");
    expect(gatewayPortForwardArgs(staging)).toEqual([
      "--context",
      staging.target.context,
      "--namespace",
      staging.target.namespace,
      "port-forward",
      "svc/litellm",
      ":4000",
    ]);
    expect(gatewayPortForwardArgs(planOf("prod"))).toEqual([
      "--namespace",
      "ai-layer",
      "port-forward",
      "svc/litellm",
      ":4000",
    ]);
    expect(gatewayPortForwardArgs(planOf("dev"))).toBeUndefined();
  });

  it("reads the local port from kubectl's line", () => {
    expect(
      forwardedPort("Forwarding from 127.0.0.1:43121 -> 4000\nForwarding from [::1]:43121 -> 4000\n"),
    ).toBe(43121);
    expect(forwardedPort('error: services "litellm" not found')).toBeUndefined();
  });

  it("starts kubectl, resolves with the local URL, and stops it", async () => {
    const kubectl = join(dir, "kubectl");
    writeFileSync(
      kubectl,
      '#!/bin/sh\necho "args: $*" >&2\necho "Forwarding from 127.0.0.1:43121 -> 4000"\nexec sleep 30\n',
    );
    chmodSync(kubectl, 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      const pf = await startPortForward(["port-forward", "svc/litellm", ":4000"]);
      expect(pf.url).toBe("http://127.0.0.1:43121");
      pf.stop();
    } finally {
      process.env.PATH = path;
    }
  });

  it("a kubectl that fails says why; no kubectl says what to do", async () => {
    const kubectl = join(dir, "kubectl");
    writeFileSync(kubectl, "#!/bin/sh\necho 'error: services \"litellm\" not found' >&2\nexit 1\n");
    chmodSync(kubectl, 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      await expect(startPortForward(["port-forward"])).rejects.toThrow(
        /kubectl port-forward exited \(1\) before forwarding:\nerror: services "litellm" not found/,
      );
    } finally {
      process.env.PATH = path;
    }
    process.env.PATH = join(dir, "nowhere");
    try {
      await expect(startPortForward(["port-forward"])).rejects.toThrow(
        /kubectl is not installed: install kubectl/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
