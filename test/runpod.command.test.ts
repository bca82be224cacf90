// components/runpod/endpointCommand.ts is what the command provider runs on `pulumi up`/`destroy`: drive it as a process
// against the loopback Runpod fake, create → update (scale) → delete → delete again.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunpodEndpointSpec } from "../components/runpod";
import { fake, KEY, resetRunpodFake, startRunpodFake } from "./helpers/runpodFake";

const ROOT = join(__dirname, "..");
const exec = promisify(execFile);
/**
 * The command as the provider runs it in this repository (tsx on the .ts file), through tsx's loader rather than
 * its CLI: the CLI leaves an IPC dir and the loader a compile cache in the OS temp dir, and tests leave nothing.
 */
const TSX_RUN = [
  process.execPath,
  "--import",
  "tsx",
  join(ROOT, "components", "runpod", "endpointCommand.ts"),
];
const NO_TSX_CACHE = { TSX_DISABLE_CACHE: "1" };
let server: { baseUrl: string; close: () => Promise<void> };

beforeAll(async () => {
  server = await startRunpodFake();
  resetRunpodFake();
});
afterAll(() => server.close());

const spec = (workersMax: number): RunpodEndpointSpec => ({
  name: "ai-layer-t-chat",
  image: "runpod/worker-v1-vllm:v2.25.2",
  model: "meta-llama/Llama-3.1-8B-Instruct",
  servedModelName: "chat",
  maxModelLen: 8192,
  gpuTypeIds: ["NVIDIA L4"],
  workersMin: 0,
  workersMax,
  idleTimeoutSeconds: 300,
});

async function runCommand(action: string, env: Record<string, string>) {
  const { stdout } = await exec(TSX_RUN[0]!, [...TSX_RUN.slice(1), action], {
    cwd: ROOT,
    env: { ...process.env, ...NO_TSX_CACHE, RUNPOD_API_KEY: KEY, RUNPOD_BASE_URL: server.baseUrl, ...env },
  });
  return JSON.parse(stdout.trim());
}

describe("components/runpod/endpointCommand.ts (the command provider's create/update/delete)", () => {
  it("creates, scales in place, deletes, and treats a second delete as done", async () => {
    const created = await runCommand("create", { RUNPOD_ENDPOINT_SPEC: JSON.stringify(spec(2)) });
    expect(created.apiBase).toBe(`https://api.runpod.ai/v2/${created.endpointId}/openai/v1`);
    expect(created.spec.workersMax).toBe(2);
    expect(fake.endpoints.get(created.endpointId)).toBeDefined();

    const updated = await runCommand("update", {
      RUNPOD_ENDPOINT_SPEC: JSON.stringify(spec(5)),
      PULUMI_COMMAND_STDOUT: JSON.stringify(created),
    });
    // Only the scale changed: same endpoint, patched in place.
    expect(updated.endpointId).toBe(created.endpointId);
    expect(
      fake.seen.some((r) => r.method === "PATCH" && r.path.endsWith(`/serverless/${created.endpointId}`)),
    ).toBe(true);

    expect(await runCommand("delete", { PULUMI_COMMAND_STDOUT: JSON.stringify(updated) })).toEqual({
      deleted: true,
    });
    expect(fake.endpoints.has(created.endpointId)).toBe(false);
    expect(await runCommand("delete", { PULUMI_COMMAND_STDOUT: JSON.stringify(updated) })).toEqual({
      deleted: true,
    });
  }, 60_000);

  it("gives the endpoint HF_TOKEN from the secret env; neither the spec nor the output carries it", async () => {
    const token = "hf_gated_model_token_1234";
    const gated = { ...spec(1), hfTokenFromEnv: true };
    const created = await runCommand("create", {
      RUNPOD_ENDPOINT_SPEC: JSON.stringify(gated),
      HF_TOKEN: token,
    });
    // worker-vllm v2.25.2 src/download_model.py downloads with token=os.getenv("HF_TOKEN").
    expect((fake.endpoints.get(created.endpointId)!.env as Record<string, string>).HF_TOKEN).toBe(token);
    expect(JSON.stringify(created)).not.toContain(token);
    // Without the token the create refuses, naming the config key to set (and prints no secret).
    await expect(
      exec(
        join(ROOT, "node_modules", ".bin", "tsx"),
        [join(ROOT, "components", "runpod", "endpointCommand.ts"), "create"],
        {
          env: {
            ...process.env,
            RUNPOD_API_KEY: KEY,
            RUNPOD_BASE_URL: server.baseUrl,
            RUNPOD_ENDPOINT_SPEC: JSON.stringify(gated),
            HF_TOKEN: "",
          },
        },
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining("pulumi config set --secret ai-layer:hfToken"),
    });
  }, 60_000);

  it("fails clearly without the key, and never prints it", async () => {
    await expect(
      exec(TSX_RUN[0]!, [...TSX_RUN.slice(1), "create"], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...NO_TSX_CACHE,
          RUNPOD_API_KEY: "",
          RUNPOD_ENDPOINT_SPEC: JSON.stringify(spec(1)),
        },
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("ai-layer:runpodApiKey") });
  });
});
