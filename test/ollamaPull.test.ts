// The Ollama pull script (renderOllamaPullScript) run the way the pull container runs it, `python3 -u -c <script>`
// (Debian's python3 here, the gateway image's there; standard library only), against an Ollama API stub on
// loopback and against a closed port.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ollamaPullCommandLine } from "../components/docker/ollamaModels";
import type { OllamaModel } from "../components/plan";
import { renderOllamaPullScript } from "../components/render/ollamaPull";
import { ollamaStub } from "./e2e/stubs/ollama";
import type { StubServer } from "./e2e/stubs/stubServer";

const model = (name: string, ollamaTag: string) => ({ name, ollamaTag }) as unknown as OllamaModel;
const MODELS = [
  model("chat", "llama3.1:8b"),
  model("embed", "nomic-embed-text"),
  model("alias", "llama3.1:8b"),
];

function runScript(
  script: string,
  url: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("python3", ["-u", "-c", script], {
      env: { ...process.env, AI_LAYER_OLLAMA_URL: url },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("the host-Ollama pull script", () => {
  let stub: StubServer | undefined;
  afterEach(() => stub?.stop());

  it("pulls each missing tag once with progress, then a second run pulls nothing", async () => {
    stub = await ollamaStub([], { registry: ["llama3.1:8b", "nomic-embed-text"] }).start();
    const script = renderOllamaPullScript(MODELS, 60);
    const first = await runScript(script, stub.url);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(stub.calls("/api/pull").map((c) => c.model)).toEqual(["llama3.1:8b", "nomic-embed-text"]);
    expect(first.stdout).toContain("ai-layer: pulling llama3.1:8b");
    expect(first.stdout).toContain("ai-layer: llama3.1:8b: pulling abababababab 50% (1.00 of 2.00 GB)");
    expect(first.stdout).toContain("ai-layer: llama3.1:8b: success");
    expect(first.stdout).toContain(`ai-layer: all 2 models are in Ollama at ${stub.url}`);

    stub.clear();
    const again = await runScript(script, stub.url);
    expect(again.code).toBe(0);
    expect(stub.calls("/api/pull")).toHaveLength(0);
    expect(again.stdout).toContain("ai-layer: llama3.1:8b is already pulled");
    expect(again.stdout).toContain("ai-layer: nomic-embed-text is already pulled");
  });

  it("a tag the registry lacks fails with Ollama's error and what to check", async () => {
    stub = await ollamaStub([], { registry: ["llama3.1:8b"] }).start();
    const r = await runScript(renderOllamaPullScript(MODELS, 60), stub.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "ai-layer: pulling nomic-embed-text failed: pull model manifest: file does not exist (is the tag right?",
    );
    expect(r.stderr).not.toContain("Traceback");
  });

  it("no Ollama on the port: exit 1 saying what to install or start, no traceback", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runScript(renderOllamaPullScript(MODELS, 60), url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ai-layer: no Ollama answers at ${url} ([Errno 111] Connection refused)`);
    expect(r.stderr).toContain("install it (https://ollama.com/download) and start it");
    expect(r.stderr).toContain("layer.target.ollama.url");
    expect(r.stderr).not.toContain("Traceback");
  });
});

describe("the pull command line, as the command provider runs it (/bin/sh -c, values from env)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-pull-cmd-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (line: string, env: Record<string, string>) =>
    spawnSync("/bin/sh", ["-c", line], { env: { ...env, PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });

  it("hands docker the network, host entry, image and the script as single words", () => {
    const argsFile = join(dir, "args.json");
    writeFileSync(
      join(dir, "docker"),
      `#!/usr/bin/env node\nrequire("node:fs").writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));\n`,
    );
    chmodSync(join(dir, "docker"), 0o755);
    const script = renderOllamaPullScript(MODELS, 60);
    const r = sh(ollamaPullCommandLine([{ host: "host.docker.internal", ip: "host-gateway" }]), {
      AI_LAYER_NETWORK: "ai-layer-net-1a2b3c4",
      AI_LAYER_PULL_IMAGE: "ghcr.io/berriai/litellm:v1.104.9",
      AI_LAYER_PULL_SCRIPT: script,
      AI_LAYER_OLLAMA_URL: "http://host.docker.internal:11434",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(argsFile, "utf8"))).toEqual([
      "run",
      "--rm",
      "--network",
      "ai-layer-net-1a2b3c4",
      "--add-host",
      "host.docker.internal:host-gateway",
      "-e",
      "AI_LAYER_OLLAMA_URL",
      "--entrypoint",
      "python3",
      "ghcr.io/berriai/litellm:v1.104.9",
      "-u",
      "-c",
      script,
    ]);
  });

  it("without the docker CLI: exit 1 saying so", () => {
    rmSync(join(dir, "docker"), { force: true });
    const r = sh(ollamaPullCommandLine(), { AI_LAYER_PULL_SCRIPT: "x" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("ai-layer: the docker CLI is needed to pull the models");
  });
});
