// The Ollama pull script (renderOllamaPullScript) run the way the pull container runs it, `python3 -u -c <script>`
// (Debian's python3 here, the gateway image's there; standard library only), against an Ollama API stub on
// loopback and against a closed port.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
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
