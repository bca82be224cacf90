// `npm run smoke` against the real gateway of this tier (LiteLLM 1.104.9 + Redis, the Ollama stub behind it): the
// CLI as a user runs it, with the stack's config (stacks/Pulumi.dev.yaml) and the gateway's URL and key.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isOllama } from "../../components/plan";
import { type DevLayer, startDevLayer } from "./devLayer";
import { TEST_SECRETS } from "./layer";
import { devPlan } from "./plans";
import { describeWithTools } from "./tools";

const ROOT = join(__dirname, "..", "..");

function smoke(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin", "launch.cjs"), join(ROOT, "bin", "smoke.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The table's row for one name and check, as cells. */
const row = (stdout: string, name: string, check: string) =>
  stdout
    .split("\n")
    .map((l) => l.split("|").map((c) => c.trim()))
    .find((cells) => cells[1] === name && cells[2] === check);

describeWithTools("npm run smoke against the real gateway", ["litellm (.venv-e2e)", "redis-server"], () => {
  let dev: DevLayer | undefined;
  beforeAll(async () => {
    dev = await startDevLayer(devPlan());
  });
  afterAll(() => dev?.stop());

  it("passes: every name answers, each row says what served it, the repeat is a cache hit", async () => {
    const r = await smoke(["dev", "--url", dev!.layer.gatewayUrl], {
      AI_LAYER_GATEWAY_KEY: TEST_SECRETS.gatewayMasterKey!,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ai-layer smoke: all 4 checks passed");
    const chat = row(r.stdout, "chat", "chat (stream)")!;
    // name | check | served by | first token | tokens/s | cache hit | status
    expect(chat.slice(3)).toEqual([
      "chat-ollama",
      expect.stringMatching(/^\d+ ms$/),
      expect.stringMatching(/^\d+\.\d$/),
      "-",
      "ok",
      "",
    ]);
    expect(row(r.stdout, "chat-small", "chat (stream)")![3]).toBe("chat-small-ollama");
    expect(row(r.stdout, "embed", "embeddings")!.slice(3, 8)).toEqual([
      "embed-ollama",
      expect.stringMatching(/ms$/),
      "-",
      "-",
      "ok",
    ]);
    expect(row(r.stdout, "chat", "chat (repeat)")!.slice(3, 8)).toEqual([
      "cache",
      expect.stringMatching(/ms$/),
      "-",
      "yes",
      "ok",
    ]);
    // The repeat reached Ollama once: the second answer came from Redis.
    const repeats = dev!.ollama.calls("/api/chat").filter((c) => JSON.stringify(c.body).includes("(repeat)"));
    expect(repeats).toHaveLength(1);
  });

  it("fails with exit 1 and the gateway's error when a model is down; the others still pass", async () => {
    const small = devPlan()
      .models.filter(isOllama)
      .find((m) => m.name === "chat-small")!;
    dev!.ollama.fail(small.ollamaTag, 500);
    try {
      const r = await smoke(["dev", "--url", dev!.layer.gatewayUrl], {
        AI_LAYER_GATEWAY_KEY: TEST_SECRETS.gatewayMasterKey!,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("ai-layer smoke: 1 of 4 checks failed");
      const failed = row(r.stdout, "chat-small", "chat (stream)")!;
      expect(failed[7]).toMatch(/^HTTP 500: .*ollama stub told to fail/);
      expect(row(r.stdout, "chat", "chat (stream)")![7]).toBe("ok");
    } finally {
      dev!.ollama.healAll();
    }
  });

  it("a remote Docker host: refuses to smoke the laptop's loopback and says how to forward", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ai-layer-smoke-remote-"));
    try {
      const stackFile = join(dir, "Pulumi.remote.yaml");
      const dev = readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
      writeFileSync(
        stackFile,
        dev.replace("      kind: docker\n", "      kind: docker\n      host: ssh://me@gpu-box\n"),
      );
      const r = await smoke(["remote", "--config", stackFile], { AI_LAYER_GATEWAY_KEY: "sk-x" });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "the gateway runs on ssh://me@gpu-box: forward it first (ssh -L 4000:127.0.0.1:4000 <host>), then pass --url http://127.0.0.1:4000",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a wrong key fails every check with the gateway's refusal; no stack trace", async () => {
    const r = await smoke(["dev", "--url", dev!.layer.gatewayUrl], { AI_LAYER_GATEWAY_KEY: "sk-wrong" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ai-layer smoke: 4 of 4 checks failed");
    expect(row(r.stdout, "chat", "chat (stream)")![7]).toMatch(/^HTTP 400: /);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });
});
