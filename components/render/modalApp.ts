// Renders a Modal app (Python) that serves one model with vLLM's OpenAI-compatible server.
// Pattern taken from modal-labs/modal-examples 06_gpu_and_ml/llm-serving/vllm_inference.py: `modal.App(name)`,
// `modal.Volume.from_name(..., create_if_missing=True)` for /root/.cache/huggingface and /root/.cache/vllm,
// `@app.function(image, gpu="<TYPE>:<N>", scaledown_window, timeout, volumes)`, `@modal.concurrent(max_inputs)`,
// `@modal.web_server(port=8000, startup_timeout)` around a function that starts `vllm serve <model> --host 0.0.0.0
// --port 8000 --served-model-name … --tensor-parallel-size <N>` in a subprocess. Differences (ours): the image is the
// pinned vllm/vllm-openai image rather than pip (as in modal-labs/stopwatch src/stopwatch/llm_servers/vllm.py:
// `Image.from_registry("vllm/vllm-openai:<tag>", add_python=…)` with the image ENTRYPOINT cleared; we clear it with
// `.entrypoint([])`, the form modal-examples uses on from_registry images), the key comes from a Modal Secret
// (the example hard-codes one and says "replace with a modal.Secret"), and argv is passed as a list (no shell).
// Autoscaler names min_containers / max_containers / scaledown_window: modal docs guide "Scaling out" (they replace
// keep_warm / concurrency_limit / container_idle_timeout). GPU string "<TYPE>:<N>": modal docs guide/gpu.md.

/** Function name of the generated web server; part of the endpoint URL. */
export const MODAL_FUNCTION_NAME = "serve";
/** Shared Modal Volume names for the Hugging Face and vLLM caches (same names as the Modal example). */
export const MODAL_HF_CACHE_VOLUME = "huggingface-cache";
export const MODAL_VLLM_CACHE_VOLUME = "vllm-cache";
/** Port vLLM listens on inside the container; `@modal.web_server` forwards the endpoint to it. */
export const MODAL_VLLM_PORT = 8000;

/** Everything the generated Modal app needs. All values are validated by {@link renderModalApp}. */
export interface ModalAppSpec {
  /** Modal app name: lowercase DNS label (a-z, 0-9, single dashes). Part of the endpoint host. */
  appName: string;
  /** Name vLLM serves (`--served-model-name`); the gateway's `hosted_vllm/<name>` must match it. */
  servedModelName: string;
  /** Hugging Face repo id, `org/name` (or a bare legacy `name`). */
  huggingFaceRepo: string;
  /** Branch, tag or commit of the repo (`--revision`). */
  revision?: string;
  /** `--max-model-len`; always set so vLLM does not try the model's full context. */
  maxModelLen: number;
  /** Modal GPU type (e.g. "L4", "A100-80GB", "H100") and count per container (= `--tensor-parallel-size`). */
  gpu: { type: string; count: number };
  /** Pinned vLLM image, e.g. "vllm/vllm-openai:v0.25.1" (tag other than latest, or a sha256 digest). */
  vllmImage: string;
  minContainers: number;
  maxContainers: number;
  /** Seconds an idle container stays up (billed) before Modal stops it. */
  scaledownWindowSeconds: number;
  /** Modal Secret that provides the env var VLLM_API_KEY. */
  apiKeySecretName: string;
  /** Modal Secret that provides HF_TOKEN (gated models). */
  hfSecretName?: string;
  /** Extra `vllm serve` flags; flags this renderer manages are refused. */
  extraArgs: string[];
  /** Concurrent requests per container (`@modal.concurrent(max_inputs=…)`); default 32 as in the Modal example. */
  maxConcurrentInputs?: number;
  /** Seconds Modal waits for port 8000 to accept connections (weights download + load); default 1200. */
  startupTimeoutSeconds?: number;
  /** Per-request timeout of the function in seconds; default 600. */
  timeoutSeconds?: number;
}

/** Modal GPU strings from modal docs guide/gpu.md (A10G from the modal.gpu reference); max count per container. */
const MODAL_GPUS: Record<string, number> = Object.fromEntries(
  "T4 L4 L40S A100 A100-40GB A100-80GB RTX-PRO-6000 H100 H100! H200 B200 B200+".split(" ").map((g) => [g, 8]),
);
MODAL_GPUS.A10 = MODAL_GPUS.A10G = 4;
/** Flags the renderer sets itself; extraArgs may not repeat them. */
const MANAGED_FLAGS =
  "--api-key --host --port --served-model-name --max-model-len --tensor-parallel-size -tp --revision --model".split(
    " ",
  );

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const HF_REPO = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SAFE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const SECRET_NAME = /^[A-Za-z0-9._-]{1,64}$/;
// name, then a tag, a digest or both (`repo:tag@sha256:…`, what the image lock produces); at least one of them.
// Modal takes a digest reference as is: modal 1.6.4 _image.py `from_registry(tag)` builds a Dockerfile whose first
// line is `FROM {tag}` (_registry_setup_commands), and a Dockerfile FROM accepts `image[:tag][@digest]`.
const PINNED_IMAGE =
  /^[a-z0-9][a-z0-9._/-]*(?:(?::(?<tag>[A-Za-z0-9._-]+))(?<digest>@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function fail(field: string, value: unknown, rule: string): never {
  throw new Error(`modal app: ${field} ${JSON.stringify(value)} is invalid: ${rule}`);
}
function checkInt(field: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) fail(field, v, `must be an integer in [${min}, ${max}]`);
}

/**
 * A Python string literal for `s`, quoted the way Python's `json.dumps` (ensure_ascii) quotes it: double quotes,
 * backslash escapes, and every non-ASCII code unit as a \u escape with four hex digits, so the literal is plain ASCII and nothing in `s`
 * (quotes, backslashes, newlines, U+2028) can end the literal or the line.
 */
export function pythonString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function validate(spec: ModalAppSpec): void {
  if (!DNS_LABEL.test(spec.appName) || spec.appName.length > 63 || spec.appName.includes("--"))
    fail(
      "appName",
      spec.appName,
      "lowercase letters, digits and single dashes, ≤ 63 chars (it is part of a DNS label)",
    );
  if (!SAFE_TOKEN.test(spec.servedModelName) || spec.servedModelName.length > 128)
    fail("servedModelName", spec.servedModelName, "letters, digits and . _ : / - only");
  if (!HF_REPO.test(spec.huggingFaceRepo) || spec.huggingFaceRepo.length > 200)
    fail("huggingFaceRepo", spec.huggingFaceRepo, "a Hugging Face repo id like org/name");
  if (spec.revision !== undefined && (!SAFE_TOKEN.test(spec.revision) || spec.revision.length > 200))
    fail("revision", spec.revision, "a branch, tag or commit (letters, digits and . _ : / -)");
  checkInt("maxModelLen", spec.maxModelLen, 1);
  const maxCount = MODAL_GPUS[spec.gpu.type];
  if (maxCount === undefined)
    fail("gpu.type", spec.gpu.type, `one of Modal's GPU strings: ${Object.keys(MODAL_GPUS).join(", ")}`);
  checkInt("gpu.count", spec.gpu.count, 1, maxCount);
  const image = PINNED_IMAGE.exec(spec.vllmImage);
  if (!image || (image.groups?.tag === "latest" && !image.groups.digest))
    fail(
      "vllmImage",
      spec.vllmImage,
      "a pinned image reference (version tag other than latest, or @sha256 digest)",
    );
  checkInt("minContainers", spec.minContainers, 0);
  checkInt("maxContainers", spec.maxContainers, 1);
  if (spec.minContainers > spec.maxContainers)
    fail("minContainers", spec.minContainers, `must not exceed maxContainers (${spec.maxContainers})`);
  checkInt("scaledownWindowSeconds", spec.scaledownWindowSeconds, 1);
  if (!SECRET_NAME.test(spec.apiKeySecretName))
    fail("apiKeySecretName", spec.apiKeySecretName, "a Modal Secret name");
  if (spec.hfSecretName !== undefined && !SECRET_NAME.test(spec.hfSecretName))
    fail("hfSecretName", spec.hfSecretName, "a Modal Secret name");
  for (const arg of spec.extraArgs) {
    if (CONTROL.test(arg)) fail("extraArgs", arg, "no control characters or line breaks");
    const flag = arg.split("=", 1)[0] ?? arg;
    if (MANAGED_FLAGS.includes(flag)) fail("extraArgs", arg, `${flag} is set by the renderer`);
  }
  if (spec.maxConcurrentInputs !== undefined) checkInt("maxConcurrentInputs", spec.maxConcurrentInputs, 1);
  if (spec.startupTimeoutSeconds !== undefined)
    checkInt("startupTimeoutSeconds", spec.startupTimeoutSeconds, 1);
  if (spec.timeoutSeconds !== undefined) checkInt("timeoutSeconds", spec.timeoutSeconds, 1);
}

const pyList = (items: string[]): string => `[${items.map(pythonString).join(", ")}]`;

/**
 * Python source of a Modal app (deploy with `modal deploy <file>`) whose function `serve` runs `vllm serve` for one
 * model behind `@modal.web_server` with proxy auth required. The OpenAI-compatible API is then at
 * {@link modalEndpointUrl}, answering only requests that carry a proxy token (Modal-Key/Modal-Secret) and vLLM's
 * key (Bearer). Every value from
 * `spec` enters the source only as a validated int or a {@link pythonString} literal; the API key never does: the
 * container reads it from VLLM_API_KEY, set by the Modal Secret `spec.apiKeySecretName`. Throws on invalid specs.
 */
export function renderModalApp(spec: ModalAppSpec): string {
  validate(spec);
  const secrets = [spec.apiKeySecretName, ...(spec.hfSecretName ? [spec.hfSecretName] : [])];
  const gpu = `${spec.gpu.type}:${spec.gpu.count}`;
  const lines = [
    "# Generated by ai-layer (components/render/modalApp.ts). Do not edit; re-render instead.",
    "# Deploy with `modal deploy <this file>`. Follows Modal's vLLM serving example",
    "# (modal-labs/modal-examples 06_gpu_and_ml/llm-serving/vllm_inference.py).",
    "import os",
    "import subprocess",
    "",
    "import modal",
    "",
    `APP_NAME = ${pythonString(spec.appName)}`,
    `VLLM_IMAGE = ${pythonString(spec.vllmImage)}`,
    `HF_REPO = ${pythonString(spec.huggingFaceRepo)}`,
    `HF_REVISION = ${spec.revision === undefined ? "None" : pythonString(spec.revision)}`,
    `SERVED_MODEL_NAME = ${pythonString(spec.servedModelName)}`,
    `MAX_MODEL_LEN = ${spec.maxModelLen}`,
    `GPU = ${pythonString(gpu)}`,
    `N_GPU = ${spec.gpu.count}`,
    `EXTRA_ARGS = ${pyList(spec.extraArgs)}`,
    `SECRET_NAMES = ${pyList(secrets)}`,
    `VLLM_PORT = ${MODAL_VLLM_PORT}`,
    "",
    "# The image's ENTRYPOINT is `vllm serve`; clear it so Modal can start its own runtime in the container.",
    'image = modal.Image.from_registry(VLLM_IMAGE, add_python="3.12").entrypoint([])',
    "",
    `hf_cache = modal.Volume.from_name(${pythonString(MODAL_HF_CACHE_VOLUME)}, create_if_missing=True)`,
    `vllm_cache = modal.Volume.from_name(${pythonString(MODAL_VLLM_CACHE_VOLUME)}, create_if_missing=True)`,
    "",
    "app = modal.App(APP_NAME)",
    "",
    "",
    "@app.function(",
    "    image=image,",
    "    gpu=GPU,",
    `    min_containers=${spec.minContainers},`,
    `    max_containers=${spec.maxContainers},`,
    `    scaledown_window=${spec.scaledownWindowSeconds},`,
    `    timeout=${spec.timeoutSeconds ?? 600},`,
    // Start-up (weights download, load, compile) has its own bound: without it modal applies `timeout` to start-up
    // too (modal 1.6.4 modal/app.py _App.function: `startup_timeout=startup_timeout or timeout`), and a first start
    // is killed at 600 s although web_server's startup_timeout below allows more.
    `    startup_timeout=${spec.startupTimeoutSeconds ?? 1200},`,
    '    volumes={"/root/.cache/huggingface": hf_cache, "/root/.cache/vllm": vllm_cache},',
    "    secrets=[modal.Secret.from_name(name) for name in SECRET_NAMES],",
    ")",
    `@modal.concurrent(max_inputs=${spec.maxConcurrentInputs ?? 32})`,
    // Proxy auth: Modal's proxy refuses (401) any request without a proxy token's Modal-Key and Modal-Secret
    // headers before it reaches (or starts) a container, so routes vLLM's --api-key leaves open (/metrics, /health,
    // /version, …) and GPU cold starts are not open to whoever finds the URL. modal 1.6.4
    // modal/_partial_function.py `_web_server(..., requires_proxy_auth: bool = False)`: "Require Modal-Key and
    // Modal-Secret HTTP Headers on requests." The gateway sends them (renderLiteLlmConfig, MODAL_PROXY_HEADERS).
    `@modal.web_server(port=VLLM_PORT, startup_timeout=${spec.startupTimeoutSeconds ?? 1200}, requires_proxy_auth=True)`,
    `def ${MODAL_FUNCTION_NAME}():`,
    "    cmd = [",
    '        "vllm", "serve", HF_REPO,',
    '        "--served-model-name", SERVED_MODEL_NAME,',
    '        "--max-model-len", str(MAX_MODEL_LEN),',
    '        "--tensor-parallel-size", str(N_GPU),',
    '        "--host", "0.0.0.0",',
    '        "--port", str(VLLM_PORT),',
    "    ]",
    "    if HF_REVISION is not None:",
    '        cmd += ["--revision", HF_REVISION]',
    "    # The key comes from the Modal Secret, never from this file.",
    '    cmd += ["--api-key", os.environ["VLLM_API_KEY"]]',
    "    cmd += EXTRA_ARGS",
    "    # argv list, no shell: no value is ever parsed by a shell.",
    "    subprocess.Popen(cmd)",
    "",
  ];
  return lines.join("\n");
}

/**
 * OpenAI base URL of the deployed app: `https://<workspace>--<app>-<function>.modal.run/v1` (modal docs
 * guide/webhook-urls: `https://<source>--<label>.modal.run`, source = workspace, or `<workspace>-<env suffix>` for a
 * non-default environment; label = `<app>-<function>`; normalized to lowercase letters, digits and dashes, so `_`
 * becomes `-`). A DNS label holds at most 63 characters (RFC 1035). The stored Modal docs do not say how Modal
 * shortens a longer label, so instead of guessing we throw: shorten the app name or the workspace.
 */
export function modalEndpointUrl(
  workspace: string,
  appName: string,
  functionName = MODAL_FUNCTION_NAME,
): string {
  const slug = (field: string, v: string): string => {
    const s = v.toLowerCase().replace(/_/g, "-");
    if (!DNS_LABEL.test(s))
      fail(field, v, "letters, digits, - and _ only, not starting or ending with a dash");
    return s;
  };
  const host = `${slug("workspace", workspace)}--${slug("appName", appName)}-${slug("functionName", functionName)}`;
  if (host.length > 63)
    throw new Error(
      `modal app: endpoint host label "${host}" is ${host.length} characters; DNS allows 63 and Modal's documented ` +
        `URL rule does not say how it would shorten it. Use a shorter app name (or workspace/environment).`,
    );
  return `https://${host}.modal.run/v1`;
}
