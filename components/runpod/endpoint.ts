// Runpod serverless vLLM endpoint: request bodies (pure) and the create/read/update/delete steps a Pulumi resource
// calls, as plain module functions taking the client (no closures over config).
//
// Sources:
// - runpod-workers/worker-vllm @7a925039 (tag v2.25.2) README.md: env MODEL_NAME, HF_TOKEN, MAX_MODEL_LEN,
//   OPENAI_SERVED_MODEL_NAME_OVERRIDE; OpenAI base `https://api.runpod.ai/v2/<ENDPOINT ID>/openai/v1` (serving API,
//   not the management API; v2 Endpoint.requestUrls in api-reference-v2/openapi.json use the same host).
// - runpod/docs @a900806e `api-reference-v2/openapi.json` (REST v2): CreateEndpointRequest {name, type, scaling
//   required; image unless templateId; disk, env, gpu {pools (required), excludedTypes, count, allowedCudaVersions},
//   workers {min, max, idleTimeout}, flashboot "OFF"|"FLASHBOOT"|…}. `gpu.pools` takes serverless pool ids, not GPU
//   type ids; `gpu.excludedTypes` subtracts type ids from the pools ("pick the pool that holds it and exclude the
//   rest"), from `GET /v2/catalog/gpus` (GpuType.id/.pool). A PATCH with `pools` but no `excludedTypes` clears them,
//   so both are sent together. `api-reference-v2/migrate-from-v1.mdx`: an endpoint can be created from
//   name/image/gpu directly, so no template is created any more.
// - runpod-workers/worker-vllm @7a925039 (v2.25.2) src/download_model.py: the model download passes
//   `token=os.getenv("HF_TOKEN")` to Hugging Face, so a gated repo (meta-llama/…) needs HF_TOKEN in the worker's env.
// - runpod/docs `pods/templates/secrets.mdx`: env values may reference account secrets as
//   `{{ RUNPOD_SECRET_<name> }}`, which keeps the HF token out of Pulumi state.
// - Legacy v1 state carries a `templateId`; delete still removes it (`DELETE /v2/templates/{id}`, 400 = in use).

import { lockedImage, RUNPOD_WORKER } from "../catalog/images";
import {
  RunpodApiError,
  type CreateEndpointRequest,
  type EndpointGpuConfig,
  type EndpointWorkers,
  type FlashBoot,
  type GpuType,
  type RunpodClient,
  type UpdateEndpointRequest,
} from "./client";

/**
 * Pinned worker-vllm image (the catalog's {@link RUNPOD_WORKER}, with the vLLM version it runs), with the lock's
 * digest when it has one. Runpod's v2 CreateEndpointRequest `image` is a plain image reference string.
 */
export const RUNPOD_VLLM_IMAGE: string = lockedImage(RUNPOD_WORKER.image);

/** v1's default scaler (QUEUE_DELAY, 4 s), which v2 requires explicitly on create. */
const DEFAULT_SCALING = { type: "QUEUE_DELAY", queueDelay: 4 } as const;

/** What a Runpod vLLM endpoint needs; everything else keeps Runpod's defaults. */
export interface RunpodEndpointSpec {
  name: string;
  /** Worker image, e.g. {@link RUNPOD_VLLM_IMAGE}. */
  image: string;
  /** Hugging Face repo id (MODEL_NAME). */
  model: string;
  /** Commit of `model` to serve (MODEL_REVISION; also TOKENIZER_REVISION with trustRemoteCode). */
  revision?: string;
  /** Let vLLM run the repository's code (TRUST_REMOTE_CODE); needs `revision` and `codeRevision`. */
  trustRemoteCode?: boolean;
  /** Commit of the repository holding that code (CODE_REVISION). */
  codeRevision?: string;
  /** Name vLLM serves (OPENAI_SERVED_MODEL_NAME_OVERRIDE); the gateway's `hosted_vllm/<name>` must match. */
  servedModelName: string;
  /** Max context in tokens (MAX_MODEL_LEN). */
  maxModelLen: number;
  /**
   * Runpod GPU *type* ids (catalog `id`), e.g. ["NVIDIA L4"]. v2 places workers by pool, so these are resolved to
   * `gpu.pools` plus `gpu.excludedTypes` (the pools' other types); order is no longer a preference.
   */
  gpuTypeIds: string[];
  workersMin: number;
  workersMax: number;
  /** Seconds an idle worker stays up (API field `workers.idleTimeout`, 1..3600). */
  idleTimeoutSeconds: number;
  /** HF_TOKEN as a Runpod secret reference ({@link runpodSecretRef}) to a secret the account already holds. */
  hfTokenEnv?: string;
  /**
   * HF_TOKEN comes from the command's secret env (`HF_TOKEN`, from ai-layer:hfToken) when the endpoint is created.
   * The spec is a plain resource input and is kept in the command's stdout, so it records only that the endpoint
   * gets the token, never the token.
   */
  hfTokenFromEnv?: boolean;
  /** Container disk for downloaded weights in GB (API field `disk`; we default to 50 as v1 did). */
  containerDiskInGb?: number;
  /** Restrict workers to hosts with these CUDA versions (`gpu.allowedCudaVersions`, `major.minor`). */
  allowedCudaVersions?: string[];
  /** FlashBoot (faster cold starts); default true (`FLASHBOOT`; false → `OFF`). */
  flashboot?: boolean;
}

/** Secret values the command receives in its env, never in the spec. */
export interface RunpodEndpointSecrets {
  /** Hugging Face token for {@link RunpodEndpointSpec.hfTokenFromEnv}. */
  hfToken?: string;
}

/** IDs kept in state; `templateId` only exists in state written by the v1 client. */
export interface RunpodEndpointIds {
  endpointId: string;
  templateId?: string;
}

/** IDs plus the OpenAI-compatible base URL the gateway routes to. */
export interface RunpodEndpointOutputs extends RunpodEndpointIds {
  apiBase: string;
}

/** Live state read back from Runpod. */
export interface RunpodEndpointState extends RunpodEndpointOutputs {
  name?: string;
  gpuPools?: string[];
  gpuExcludedTypes?: string[];
  workersMin?: number;
  workersMax?: number;
  idleTimeoutSeconds?: number;
}

/** Spec fields that a `PATCH /v2/serverless/{id}` changes in place (endpoint-level settings). */
export const PATCHABLE_FIELDS = [
  "workersMin",
  "workersMax",
  "idleTimeoutSeconds",
  "gpuTypeIds",
  "flashboot",
  "allowedCudaVersions",
] as const satisfies readonly (keyof RunpodEndpointSpec)[];

/** `{{ RUNPOD_SECRET_<name> }}`: an env value Runpod resolves from the account's secrets at run time. */
export function runpodSecretRef(secretName: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(secretName)) throw new Error(`invalid Runpod secret name: ${secretName}`);
  return `{{ RUNPOD_SECRET_${secretName} }}`;
}

/** The gateway's api_base for an endpoint id. */
export function runpodApiBase(endpointId: string): string {
  return `https://api.runpod.ai/v2/${encodeURIComponent(endpointId)}/openai/v1`;
}

/** Throws on a spec the API would reject or that cannot work. */
export function validateRunpodSpec(spec: RunpodEndpointSpec): void {
  const problems: string[] = [];
  const int = (v: number, min: number, max = Infinity) => Number.isInteger(v) && v >= min && v <= max;
  if (!spec.name.trim()) problems.push("name is empty");
  if (!spec.image.trim()) problems.push("image is empty");
  if (!spec.model.trim()) problems.push("model is empty");
  if (!spec.servedModelName.trim()) problems.push("servedModelName is empty");
  if (!int(spec.maxModelLen, 1)) problems.push("maxModelLen must be a positive integer");
  if (spec.gpuTypeIds.length === 0) problems.push("gpuTypeIds is empty");
  if (!int(spec.workersMin, 0)) problems.push("workersMin must be an integer >= 0");
  if (!int(spec.workersMax, 1)) problems.push("workersMax must be an integer >= 1");
  if (spec.workersMin > spec.workersMax) problems.push("workersMin exceeds workersMax");
  if (!int(spec.idleTimeoutSeconds, 1, 3600)) problems.push("idleTimeoutSeconds must be an integer 1..3600");
  const disk = spec.containerDiskInGb;
  if (disk !== undefined && !int(disk, 1)) problems.push("containerDiskInGb must be a positive integer");
  const cuda = spec.allowedCudaVersions ?? [];
  if (cuda.some((v) => !/^\d+\.\d+$/.test(v))) problems.push("allowedCudaVersions must be major.minor");
  if (spec.hfTokenEnv && spec.hfTokenFromEnv) problems.push("set hfTokenEnv or hfTokenFromEnv, not both");
  if (spec.trustRemoteCode && !(spec.revision && spec.codeRevision))
    problems.push("trustRemoteCode needs revision and codeRevision (remote code from a moving branch)");
  if (problems.length) throw new Error(`invalid Runpod endpoint "${spec.name}": ${problems.join("; ")}`);
}

/** GPU type ids → `{pools, excludedTypes}` from the catalog: the pools holding them, minus their other types. Pure. */
export function resolveGpuSelection(
  gpuTypeIds: string[],
  catalog: GpuType[],
): { pools: string[]; excludedTypes: string[] } {
  const wanted = new Set(gpuTypeIds.map((t) => t.trim()));
  const pools: string[] = [];
  for (const id of wanted) {
    const type = catalog.find((g) => g.id === id);
    if (!type) throw new Error(`Runpod GPU type "${id}" is not in GET /v2/catalog/gpus`);
    if (!type.pool) throw new Error(`Runpod GPU type "${id}" is in no serverless pool`);
    if (!pools.includes(type.pool)) pools.push(type.pool);
  }
  const excludedTypes = catalog
    .filter((g) => g.pool !== null && pools.includes(g.pool) && !wanted.has(g.id))
    .map((g) => g.id)
    .sort();
  return { pools, excludedTypes };
}

function workers(s: RunpodEndpointSpec): EndpointWorkers {
  return { min: s.workersMin, max: s.workersMax, idleTimeout: s.idleTimeoutSeconds };
}

const flashboot = (s: RunpodEndpointSpec) => ((s.flashboot ?? true) ? "FLASHBOOT" : "OFF") as FlashBoot;

/** Builds the `POST /v2/serverless` body from a spec and the GPU catalog. Pure. */
export function endpointRequest(
  spec: RunpodEndpointSpec,
  catalog: GpuType[],
  secrets: RunpodEndpointSecrets = {},
): CreateEndpointRequest {
  validateRunpodSpec(spec);
  const env: Record<string, string> = {
    MODEL_NAME: spec.model,
    MAX_MODEL_LEN: String(spec.maxModelLen),
    OPENAI_SERVED_MODEL_NAME_OVERRIDE: spec.servedModelName,
  };
  // worker-vllm reads MODEL_REVISION (alias of --revision), TRUST_REMOTE_CODE, CODE_REVISION and
  // TOKENIZER_REVISION: src/engine_args.py @0f8657e5 (RENAME_ARGS_MAP, DEFAULT_ARGS) and src/args_builder.py
  // @63f88cab (ENV_ALIASES; --trust-remote-code a boolean flag, --code-revision/--tokenizer-revision values).
  if (spec.revision) env.MODEL_REVISION = spec.revision;
  if (spec.trustRemoteCode) {
    env.TRUST_REMOTE_CODE = "true";
    env.CODE_REVISION = spec.codeRevision!;
    env.TOKENIZER_REVISION = spec.revision!;
  }
  if (spec.hfTokenEnv) env.HF_TOKEN = spec.hfTokenEnv;
  if (spec.hfTokenFromEnv) {
    if (!secrets.hfToken)
      throw new Error(
        `Runpod endpoint "${spec.name}" needs HF_TOKEN (a gated model): pulumi config set --secret ai-layer:hfToken hf_…`,
      );
    env.HF_TOKEN = secrets.hfToken;
  }
  const { pools, excludedTypes } = resolveGpuSelection(spec.gpuTypeIds, catalog);
  const gpu: EndpointGpuConfig = { pools, count: 1 };
  if (excludedTypes.length) gpu.excludedTypes = excludedTypes;
  if (spec.allowedCudaVersions?.length) gpu.allowedCudaVersions = [...spec.allowedCudaVersions];
  return {
    name: spec.name,
    type: "QUEUE",
    image: spec.image,
    env,
    disk: spec.containerDiskInGb ?? 50,
    gpu,
    workers: workers(spec),
    scaling: { ...DEFAULT_SCALING },
    flashboot: flashboot(spec),
  };
}

/** The spec fields that differ, and whether they can all be PATCHed. Pure. */
function classifyChange(oldSpec: RunpodEndpointSpec, newSpec: RunpodEndpointSpec) {
  const keys = new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)]) as Set<keyof RunpodEndpointSpec>;
  const changed = [...keys].filter((k) => JSON.stringify(oldSpec[k]) !== JSON.stringify(newSpec[k])).sort();
  const patchable = new Set<string>(PATCHABLE_FIELDS);
  const action = !changed.length ? "none" : changed.every((k) => patchable.has(k)) ? "patch" : "replace";
  return { action, changed } as { action: "none" | "patch" | "replace"; changed: string[] };
}

/**
 * `none`, an in-place `patch` (with its body), or `replace`, with the spec fields that changed. Pure; `catalog` is
 * only consulted when `gpuTypeIds` changed. `workers` is always sent whole, `pools` always with `excludedTypes`.
 */
export function planRunpodUpdate(
  oldSpec: RunpodEndpointSpec,
  newSpec: RunpodEndpointSpec,
  catalog: GpuType[] = [],
): { action: "none" | "patch" | "replace"; changed: string[]; patch: UpdateEndpointRequest } {
  const { action, changed } = classifyChange(oldSpec, newSpec);
  if (action !== "patch") return { action, changed, patch: {} };
  validateRunpodSpec(newSpec);
  const patch: UpdateEndpointRequest = {};
  const has = (k: keyof RunpodEndpointSpec) => changed.includes(k);
  if (has("workersMin") || has("workersMax") || has("idleTimeoutSeconds")) {
    patch.workers = workers(newSpec);
  }
  if (has("flashboot")) patch.flashboot = flashboot(newSpec);
  const gpu: Partial<EndpointGpuConfig> = {};
  if (has("gpuTypeIds")) Object.assign(gpu, resolveGpuSelection(newSpec.gpuTypeIds, catalog));
  if (has("allowedCudaVersions")) gpu.allowedCudaVersions = [...(newSpec.allowedCudaVersions ?? [])];
  if (Object.keys(gpu).length) patch.gpu = gpu;
  return { action: "patch", changed, patch };
}

/** Creates the endpoint from the image directly (v2 needs no template). */
export async function createRunpodEndpoint(
  client: RunpodClient,
  spec: RunpodEndpointSpec,
  secrets: RunpodEndpointSecrets = {},
): Promise<RunpodEndpointOutputs> {
  validateRunpodSpec(spec);
  const created = await client.createEndpoint(endpointRequest(spec, await client.listGpuTypes(), secrets));
  return { endpointId: created.id, apiBase: runpodApiBase(created.id) };
}

/** Reads the endpoint back; `undefined` when it no longer exists (the resource is gone). */
export async function readRunpodEndpoint(
  client: RunpodClient,
  ids: RunpodEndpointIds,
): Promise<RunpodEndpointState | undefined> {
  const ep = await client.getEndpoint(ids.endpointId);
  if (!ep) return undefined;
  return {
    ...ids,
    endpointId: ep.id,
    apiBase: runpodApiBase(ep.id),
    name: ep.name,
    gpuPools: ep.gpu?.pools,
    gpuExcludedTypes: ep.gpu?.excludedTypes,
    workersMin: ep.workers?.min,
    workersMax: ep.workers?.max,
    idleTimeoutSeconds: ep.workers?.idleTimeout,
  };
}

/**
 * Applies a spec change: PATCH for endpoint-level fields only; otherwise create-before-delete replacement (a new
 * endpoint id and apiBase, so the gateway must be re-rendered). Returns which happened and the resulting outputs.
 */
export async function updateRunpodEndpoint(
  client: RunpodClient,
  ids: RunpodEndpointIds,
  oldSpec: RunpodEndpointSpec,
  newSpec: RunpodEndpointSpec,
  opts: DeleteOptions = {},
  secrets: RunpodEndpointSecrets = {},
): Promise<{ action: "none" | "patch" | "replace"; changed: string[]; outputs: RunpodEndpointOutputs }> {
  const { action, changed } = classifyChange(oldSpec, newSpec);
  const needsCatalog = action === "patch" && changed.includes("gpuTypeIds");
  const plan = planRunpodUpdate(oldSpec, newSpec, needsCatalog ? await client.listGpuTypes() : []);
  const current: RunpodEndpointOutputs = { ...ids, apiBase: runpodApiBase(ids.endpointId) };
  if (plan.action === "none") return { action: "none", changed: plan.changed, outputs: current };
  if (plan.action === "patch") {
    await client.updateEndpoint(ids.endpointId, plan.patch);
    return { action: "patch", changed: plan.changed, outputs: current };
  }
  const outputs = await createRunpodEndpoint(client, newSpec, secrets);
  await deleteRunpodEndpoint(client, ids, opts);
  return { action: "replace", changed: plan.changed, outputs };
}

/** Deleting a legacy (v1-created) template while Runpod counts it in use: attempts (8), wait (15 s), sleep. */
export interface DeleteOptions {
  templateInUseRetries?: number;
  templateInUseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Deletes the endpoint, then a legacy v1 template if the state has one; anything missing counts as deleted. */
export async function deleteRunpodEndpoint(
  client: RunpodClient,
  ids: RunpodEndpointIds,
  opts: DeleteOptions = {},
): Promise<void> {
  const retries = opts.templateInUseRetries ?? 8;
  const delay = opts.templateInUseDelayMs ?? 15_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  await client.deleteEndpoint(ids.endpointId);
  if (!ids.templateId) return;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.deleteTemplate(ids.templateId);
      return;
    } catch (err) {
      // v2 documents 400 on DELETE /v2/templates/{id} as "Template is in use by a pod or serverless endpoint".
      const inUse = err instanceof RunpodApiError && err.status === 400;
      if (!inUse || attempt >= retries) throw err;
      await sleep(delay);
    }
  }
}
