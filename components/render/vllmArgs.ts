import { isVllm, VLLM_PORT, type Plan, type VllmModel, type VllmTrack } from "../plan";

/** Where vLLM keeps downloaded weights (HF_HOME); the weight-cache volume is mounted here (runtime-facts.md §B2). */
export const HF_CACHE_PATH = "/root/.cache/huggingface";

const DTYPE: Partial<Record<VllmModel["precision"], string>> = { bf16: "bfloat16", fp16: "float16" };

/**
 * Arguments after `vllm serve` (the image's entrypoint; runtime-facts.md §B1) for one track of a model, from the
 * plan only. `--max-model-len` is always set: the model's own default (131072 for Llama 3.1) does not fit most
 * GPUs, and vLLM refuses to start when one sequence of that length does not fit. The API key is not here: vLLM
 * reads VLLM_API_KEY from the env, which comes from a Secret.
 */
export function renderVllmArgs(model: VllmModel, track: VllmTrack, port: number): string[] {
  const args = [
    track.huggingFaceRepo,
    "--served-model-name",
    model.name,
    "--max-model-len",
    String(model.maxModelLen),
    "--tensor-parallel-size",
    String(model.gpu.count),
    "--gpu-memory-utilization",
    String(model.gpuMemoryUtilization),
    "--port",
    String(port),
  ];
  if (track.revision) args.push("--revision", track.revision);
  const dtype = DTYPE[model.precision];
  if (dtype) args.push("--dtype", dtype);
  // fp8 weights are quantized on load; int4 checkpoints carry their method, which vLLM detects.
  if (model.precision === "fp8") args.push("--quantization", "fp8");
  if (model.kvCacheDtype === "fp8") args.push("--kv-cache-dtype", "fp8");
  // Since v0.13 the task is chosen with --runner/--convert (--task is gone); pooling serves /v1/embeddings.
  if (model.kind === "embedding") args.push("--runner", "pooling", "--convert", "embed");
  args.push(...remoteCodeArgs(model, track.revision));
  return args;
}

/**
 * `--trust-remote-code` with the commits that code and the tokenizer come from, for a model that runs remote code
 * (the plan refuses one without both commits). vLLM ModelConfig fields revision, code_revision and
 * tokenizer_revision (vllm-project/vllm vllm/config/model.py; CLI `--code-revision`, `--tokenizer-revision`):
 * without --tokenizer-revision the tokenizer, which may run remote code too, comes from the default branch.
 */
export function remoteCodeArgs(
  model: { readonly trustRemoteCode: boolean; readonly codeRevision?: string },
  revision: string | undefined,
): string[] {
  if (!model.trustRemoteCode) return [];
  return [
    "--trust-remote-code",
    ...(model.codeRevision ? ["--code-revision", model.codeRevision] : []),
    ...(revision ? ["--tokenizer-revision", revision] : []),
  ];
}

/** The arguments of every vLLM track of a plan, by track id (`chat`, `chat-canary`), serving on VLLM_PORT. */
export function fleetVllmArgs(plan: Pick<Plan, "models">): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    plan.models.filter(isVllm).flatMap((m) => m.tracks.map((t) => [t.id, renderVllmArgs(m, t, VLLM_PORT)])),
  );
}
