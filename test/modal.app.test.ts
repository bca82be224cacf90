import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  modalEndpointUrl,
  pythonString,
  renderModalApp,
  type ModalAppSpec,
} from "../components/render/modalApp";

const dir = mkdtempSync(join(tmpdir(), "modal-app-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function writePy(source: string): string {
  const file = join(dir, `app${n++}.py`);
  writeFileSync(file, source);
  return file;
}
/** Real `python3 -m py_compile`; returns the exit status and stderr. */
function pyCompile(file: string): { status: number | null; stderr: string } {
  const r = spawnSync("python3", ["-m", "py_compile", file], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}
// Parses the file with Python's ast (no import of modal needed): top-level statement kinds, the literal value of
// every UPPER_CASE constant, and the decorator calls with their keyword names.
const AST_PROBE = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
out = {"top": [type(s).__name__ for s in tree.body], "consts": {}, "decorators": {}}
for s in tree.body:
    if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id.isupper():
        out["consts"][s.targets[0].id] = ast.literal_eval(s.value)
    if isinstance(s, ast.FunctionDef):
        out["function"] = s.name
        for d in s.decorator_list:
            out["decorators"][ast.unparse(d.func)] = {k.arg: ast.unparse(k.value) for k in d.keywords}
print(json.dumps(out))
`;
interface Probe {
  top: string[];
  consts: Record<string, unknown>;
  decorators: Record<string, Record<string, string>>;
  function: string;
}
const probe = (file: string): Probe =>
  JSON.parse(execFileSync("python3", ["-c", AST_PROBE, file], { encoding: "utf8" })) as Probe;

const base: ModalAppSpec = {
  appName: "ai-layer-llama",
  servedModelName: "llama-3.1-8b",
  huggingFaceRepo: "meta-llama/Llama-3.1-8B-Instruct",
  revision: "0e9e39f249a16976918f6564b8830bc894c89659",
  maxModelLen: 8192,
  gpu: { type: "L4", count: 1 },
  vllmImage: "vllm/vllm-openai:v0.25.1",
  minContainers: 0,
  maxContainers: 3,
  scaledownWindowSeconds: 300,
  apiKeySecretName: "ai-layer-vllm-key",
  hfSecretName: "huggingface-secret",
  extraArgs: ["--gpu-memory-utilization", "0.9"],
};
const noRevision: ModalAppSpec = { ...base, revision: undefined, hfSecretName: undefined, extraArgs: [] };
const tp2: ModalAppSpec = {
  ...base,
  appName: "ai-layer-llama-70b",
  servedModelName: "llama-3.1-70b",
  huggingFaceRepo: "meta-llama/Llama-3.1-70B-Instruct",
  maxModelLen: 16384,
  gpu: { type: "H100", count: 2 },
  minContainers: 1,
  maxContainers: 2,
  scaledownWindowSeconds: 900,
};

describe.each([
  ["revision + HF secret (L4 x1)", base],
  ["no revision, no HF secret", noRevision],
  ["tensor parallel 2 x H100", tp2],
])("renderModalApp: %s", (_name, spec) => {
  const source = renderModalApp(spec);
  const file = writePy(source);

  it("compiles with python3 -m py_compile", () => {
    expect(pyCompile(file)).toEqual({ status: 0, stderr: "" });
  });

  it("constants carry the spec values exactly", () => {
    const { consts, top, function: fn } = probe(file);
    expect(consts).toMatchObject({
      APP_NAME: spec.appName,
      VLLM_IMAGE: "vllm/vllm-openai:v0.25.1",
      HF_REPO: spec.huggingFaceRepo,
      HF_REVISION: spec.revision ?? null,
      SERVED_MODEL_NAME: spec.servedModelName,
      MAX_MODEL_LEN: spec.maxModelLen,
      GPU: `${spec.gpu.type}:${spec.gpu.count}`, // Modal's "<TYPE>:<N>" form (modal docs guide/gpu.md)
      N_GPU: spec.gpu.count,
      EXTRA_ARGS: spec.extraArgs,
      SECRET_NAMES: [spec.apiKeySecretName, ...(spec.hfSecretName ? [spec.hfSecretName] : [])],
      VLLM_PORT: 8000,
    });
    expect(fn).toBe("serve");
    expect(top.filter((t) => t === "FunctionDef")).toHaveLength(1);
  });

  it("uses the current Modal autoscaler/decorator names", () => {
    const { decorators } = probe(file);
    expect(decorators["app.function"]).toEqual({
      image: "image",
      gpu: "GPU",
      min_containers: String(spec.minContainers),
      max_containers: String(spec.maxContainers),
      scaledown_window: String(spec.scaledownWindowSeconds),
      timeout: "600",
      // Start-up gets its own bound (modal applies `timeout` otherwise); the e2e tier checks what modal records.
      startup_timeout: "1200",
      volumes: expect.stringContaining("/root/.cache/huggingface") as string,
      secrets: "[modal.Secret.from_name(name) for name in SECRET_NAMES]",
    });
    expect(decorators["modal.concurrent"]).toEqual({ max_inputs: "32" });
    // requires_proxy_auth: Modal's proxy refuses requests without a proxy token (the e2e tier checks modal's record).
    expect(decorators["modal.web_server"]).toEqual({
      port: "VLLM_PORT",
      startup_timeout: "1200",
      requires_proxy_auth: "True",
    });
    for (const old of ["keep_warm", "container_idle_timeout", "allow_concurrent_inputs", "concurrency_limit"])
      expect(source).not.toContain(old);
  });

  it("serves with the required vLLM flags and reads the key from VLLM_API_KEY", () => {
    for (const flag of [
      "--served-model-name",
      "--max-model-len",
      "--tensor-parallel-size",
      "--host",
      "--port",
    ])
      expect(source).toContain(`"${flag}"`);
    expect(source).toContain('"0.0.0.0"');
    expect(source).toContain('cmd += ["--api-key", os.environ["VLLM_API_KEY"]]');
    expect(source).toContain('cmd += ["--revision", HF_REVISION]');
    expect(source).toContain('modal.Image.from_registry(VLLM_IMAGE, add_python="3.12").entrypoint([])');
    expect(source).toMatch(/modal\.Volume\.from_name\("huggingface-cache", create_if_missing=True\)/);
    expect(source).not.toMatch(/shell=True/);
    expect(source).not.toMatch(/sk-|api_key\s*=|API_KEY\s*=/i);
  });
});

describe("hostile strings cannot leave their Python literal", () => {
  const hostile = [
    '"); import os; os.system("id") #',
    "'''\"\"\" \\ \\\\ \\n",
    '--chat-template={"a": "b\\"c"}',
    "unicode é ✓ 𝔘 \u2028 \u2029 \ud800",
    "${x} `y` {z} %s",
  ];

  it("pythonString round-trips through Python's literal_eval and stays ASCII", () => {
    const file = writePy(hostile.map((s, i) => `V${i} = ${pythonString(s)}\n`).join(""));
    expect(pyCompile(file).status).toBe(0);
    const { consts, top } = probe(file);
    expect(top).toEqual(hostile.map(() => "Assign"));
    hostile.forEach((s, i) => expect(consts[`V${i}`]).toBe(s));
    for (const s of hostile) expect(pythonString(s)).toMatch(/^[\x20-\x7e]*$/);
  });

  it("extraArgs with quotes compile and keep the program's shape", () => {
    const args = hostile.filter((s) => !/[\u2028\u2029]/.test(s));
    const file = writePy(renderModalApp({ ...base, extraArgs: args }));
    expect(pyCompile(file).status).toBe(0);
    const p = probe(file);
    expect(p.consts.EXTRA_ARGS).toEqual(args);
    expect(p.top).toEqual(probe(writePy(renderModalApp(base))).top);
  });

  it.each<[string, Partial<ModalAppSpec>, RegExp]>([
    ["quote in servedModelName", { servedModelName: 'x"; import os' }, /servedModelName/],
    ["newline in huggingFaceRepo", { huggingFaceRepo: "org/name\nimport os" }, /huggingFaceRepo/],
    ["space in revision", { revision: "main; rm" }, /revision/],
    ["uppercase appName", { appName: "My_App" }, /appName/],
    ["double dash appName", { appName: "a--b" }, /appName/],
    ["newline in extraArgs", { extraArgs: ["--x\nimport os"] }, /control characters/],
    ["managed flag in extraArgs", { extraArgs: ["--api-key=literal"] }, /--api-key is set by the renderer/],
    ["unknown GPU", { gpu: { type: "RTX4090", count: 1 } }, /gpu\.type/],
    ["too many A10G", { gpu: { type: "A10G", count: 8 } }, /gpu\.count/],
    ["latest image", { vllmImage: "vllm/vllm-openai:latest" }, /pinned/],
    ["untagged image", { vllmImage: "vllm/vllm-openai" }, /pinned/],
    ["min > max", { minContainers: 4, maxContainers: 2 }, /minContainers/],
    ["fractional window", { scaledownWindowSeconds: 1.5 }, /scaledownWindowSeconds/],
    ["bad secret name", { apiKeySecretName: "key name" }, /apiKeySecretName/],
  ])("rejects %s", (_name, patch, error) => {
    expect(() => renderModalApp({ ...base, ...patch })).toThrow(error);
  });
});

describe("py_compile negative control", () => {
  it("fails on a deliberately broken file", () => {
    const broken = renderModalApp(base).replace("def serve():", "def serve(:");
    const r = pyCompile(writePy(broken));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SyntaxError/);
  });
});

describe("modalEndpointUrl", () => {
  it("follows https://<workspace>--<app>-<function>.modal.run and adds /v1", () => {
    expect(modalEndpointUrl("acme", "ai-layer-llama")).toBe(
      "https://acme--ai-layer-llama-serve.modal.run/v1",
    );
    expect(modalEndpointUrl("ECorp-prod", "text_to_speech", "flask_app")).toBe(
      "https://ecorp-prod--text-to-speech-flask-app.modal.run/v1",
    );
  });

  it("refuses a host label over 63 characters with a clear error", () => {
    const app = "a".repeat(63 - "acme--".length - "-serve".length);
    expect(modalEndpointUrl("acme", app)).toMatch(/^https:\/\/acme--a+-serve\.modal\.run\/v1$/);
    expect(() => modalEndpointUrl("acme", `${app}b`)).toThrow(/64 characters; DNS allows 63/);
  });

  it("rejects characters that are not part of a Modal slug", () => {
    expect(() => modalEndpointUrl("acme", "app.evil.com/x")).toThrow(/appName/);
    expect(() => modalEndpointUrl("ac me", "app")).toThrow(/workspace/);
  });
});
