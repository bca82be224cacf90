// Runpod client + endpoint CRUD against a loopback fake of the documented REST v2 routes
// (runpod/docs @a900806e api-reference-v2/openapi.json, api-reference-v2/migrate-from-v1.mdx).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CATALOG,
  KEY,
  fake,
  problemBody as pb,
  resetRunpodFake,
  startRunpodFake,
  type Fault,
} from "./helpers/runpodFake";
import { RunpodApiError, RunpodClient, type FetchLike } from "../components/runpod/client";
import {
  RUNPOD_VLLM_IMAGE,
  createRunpodEndpoint,
  deleteRunpodEndpoint,
  endpointRequest,
  planRunpodUpdate,
  readRunpodEndpoint,
  resolveGpuSelection,
  runpodSecretRef,
  updateRunpodEndpoint,
  type RunpodEndpointSpec,
} from "../components/runpod/endpoint";

let baseUrl = "";
let close: () => Promise<void> = async () => undefined;
beforeAll(async () => ({ baseUrl, close } = await startRunpodFake()));
afterAll(() => close());

let sleeps: number[] = [];
const fakeSleep = async (ms: number) => void sleeps.push(ms);
const client = (opts: Partial<ConstructorParameters<typeof RunpodClient>[0]> = {}) =>
  new RunpodClient({ apiKey: KEY, baseUrl, sleep: fakeSleep, timeoutMs: 2_000, ...opts });
const inject = (f: Omit<Fault, "times"> & { times?: number }) => fake.faults.push({ times: 1, ...f });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable(),
    (e) => e as RunpodApiError,
  );
/** Injects a problem+json failure. */
const fail = (method: string, path: RegExp, status: number, detail: string, more: Partial<Fault> = {}) =>
  inject({ method, path, status, body: pb(status, detail), ...more });
const SERVERLESS = /^\/v2\/serverless$/;
const calls = (method: string, path: RegExp) =>
  fake.seen.filter((s) => s.method === method && path.test(s.path)).length;

beforeEach(() => {
  resetRunpodFake();
  sleeps = [];
});

const spec: RunpodEndpointSpec = {
  name: "llama-8b",
  image: RUNPOD_VLLM_IMAGE,
  model: "meta-llama/Llama-3.1-8B-Instruct",
  servedModelName: "llama-3.1-8b",
  maxModelLen: 8192,
  gpuTypeIds: ["NVIDIA L4", "NVIDIA RTX A5000"],
  workersMin: 0,
  workersMax: 2,
  idleTimeoutSeconds: 60,
  hfTokenEnv: runpodSecretRef("hf_token"),
};
const createBody = () => endpointRequest(spec, CATALOG);

describe("endpoint lifecycle against the fake", () => {
  it("create → read → scale (PATCH) → delete → read undefined → delete again", async () => {
    const c = client();
    const out = await createRunpodEndpoint(c, spec);
    expect(out).toEqual({ endpointId: "ep1", apiBase: "https://api.runpod.ai/v2/ep1/openai/v1" });
    expect(calls("GET", /^\/v2\/catalog\/gpus$/)).toBe(1);
    const create = fake.seen.find((s) => s.method === "POST")!;
    const headers = [create.path, create.auth, create.contentType];
    expect(headers).toEqual(["/v2/serverless", `Bearer ${KEY}`, "application/json"]);
    expect(create.body).toEqual({
      name: "llama-8b",
      type: "QUEUE",
      image: "runpod/worker-v1-vllm:v2.25.2",
      env: {
        MODEL_NAME: "meta-llama/Llama-3.1-8B-Instruct",
        MAX_MODEL_LEN: "8192",
        OPENAI_SERVED_MODEL_NAME_OVERRIDE: "llama-3.1-8b",
        HF_TOKEN: "{{ RUNPOD_SECRET_hf_token }}",
      },
      disk: 50,
      gpu: {
        pools: ["ADA_24", "AMPERE_24"],
        excludedTypes: ["NVIDIA GeForce RTX 4090", "NVIDIA RTX A4500"],
        count: 1,
      },
      workers: { min: 0, max: 2, idleTimeout: 60 },
      scaling: { type: "QUEUE_DELAY", queueDelay: 4 },
      flashboot: "FLASHBOOT",
    });

    expect(await readRunpodEndpoint(c, out)).toMatchObject({
      endpointId: "ep1",
      gpuPools: ["ADA_24", "AMPERE_24"],
      workersMax: 2,
      idleTimeoutSeconds: 60,
    });

    const scaled = await updateRunpodEndpoint(c, out, spec, { ...spec, workersMin: 1, workersMax: 4 });
    expect(scaled).toMatchObject({ action: "patch", changed: ["workersMax", "workersMin"], outputs: out });
    expect(fake.seen.find((s) => s.method === "PATCH")).toMatchObject({
      path: "/v2/serverless/ep1",
      body: { workers: { min: 1, max: 4, idleTimeout: 60 } },
    });
    expect(calls("GET", /catalog/)).toBe(1); // no catalog read for a scaling-only patch
    const read = await readRunpodEndpoint(c, out);
    expect([read?.workersMin, read?.workersMax, read?.idleTimeoutSeconds]).toEqual([1, 4, 60]);

    await deleteRunpodEndpoint(c, out);
    expect(fake.endpoints.size).toBe(0);
    expect(calls("DELETE", /templates/)).toBe(0);
    expect(await readRunpodEndpoint(c, out)).toBeUndefined();
    await expect(deleteRunpodEndpoint(c, out)).resolves.toBeUndefined();
  });

  it("changing GPUs patches pools together with excludedTypes (from the catalog)", async () => {
    const c = client();
    const out = await createRunpodEndpoint(c, spec);
    const res = await updateRunpodEndpoint(c, out, spec, { ...spec, gpuTypeIds: ["NVIDIA L40S"] });
    expect(res.action).toBe("patch");
    const gpu = { pools: ["ADA_48_PRO"], excludedTypes: [] };
    expect(fake.seen.find((s) => s.method === "PATCH")!.body).toEqual({ gpu });
    expect(fake.endpoints.get("ep1")!.gpu).toEqual({ ...gpu, count: 1 });
  });

  it("replaces (create-before-delete) when the model changes", async () => {
    const c = client();
    const out = await createRunpodEndpoint(c, spec);
    const res = await updateRunpodEndpoint(c, out, spec, { ...spec, model: "Qwen/Qwen2.5-7B-Instruct" });
    expect([res.action, res.changed]).toEqual(["replace", ["model"]]);
    expect(res.outputs.endpointId).not.toBe(out.endpointId);
    expect([...fake.endpoints.keys()]).toEqual([res.outputs.endpointId]);
  });

  it("deletes a legacy v1 template from old state, retrying while it is reported in use (400)", async () => {
    fake.templates.set("tpl1", { id: "tpl1" });
    fake.endpoints.set("old1", { id: "old1" });
    fail("DELETE", /^\/v2\/templates\/tpl1$/, 400, "template is in use", { times: 2 });
    const waits: number[] = [];
    const ids = { endpointId: "old1", templateId: "tpl1" };
    const opts = { templateInUseDelayMs: 5, sleep: async (ms: number) => void waits.push(ms) };
    await deleteRunpodEndpoint(client(), ids, opts);
    expect(waits).toEqual([5, 5]);
    expect(fake.endpoints.size + fake.templates.size).toBe(0);
    // The endpoint's delete also removes its bound template, so a later template DELETE is a 404 = done.
    await expect(deleteRunpodEndpoint(client(), ids)).resolves.toBeUndefined();
  });

  it("an unknown or non-serverless GPU type fails before anything is created", async () => {
    const create = (gpuTypeIds: string[]) => createRunpodEndpoint(client(), { ...spec, gpuTypeIds });
    await expect(create(["NVIDIA H100 80GB HBM3"])).rejects.toThrow(/in no serverless pool/);
    await expect(create(["NVIDIA T4"])).rejects.toThrow(/"NVIDIA T4" is not in GET \/v2\/catalog\/gpus/);
    expect(calls("POST", /serverless/)).toBe(0);
  });
});

describe("errors and retries", () => {
  it("refuses the retired v1 base URL", () => {
    expect(() => new RunpodClient({ apiKey: KEY, baseUrl: "https://rest.runpod.io/v1/" })).toThrow(/retired/);
  });

  it("401 is a clear error that never contains the key", async () => {
    const e = await failure(client({ apiKey: "wrong-" + KEY }).getEndpoint("x"));
    expect(e).toBeInstanceOf(RunpodApiError);
    expect([e.status, e.method, e.path]).toEqual([401, "GET", "/serverless/x"]);
    expect(e.message).toContain("invalid api key");
    expect(e.message + e.apiMessage + String(e.stack)).not.toContain(KEY);
  });

  it("404 on GET is undefined; 404 on DELETE is done", async () => {
    const c = client();
    await expect(c.getEndpoint("nope")).resolves.toBeUndefined();
    await expect(c.deleteEndpoint("nope")).resolves.toBeUndefined();
    await expect(c.deleteTemplate("nope")).resolves.toBeUndefined();
  });

  it("422 problem body surfaces detail and errors[], not retried", async () => {
    const body = pb(422, "Request validation failed.", ["workers.max: must be >= 0"]);
    inject({ method: "PATCH", path: /^\/v2\/serverless\//, status: 422, body });
    const e = await failure(client().updateEndpoint("ep1", { workers: { max: -1 } }));
    expect(e.status).toBe(422);
    expect(e.message).toBe(
      "Runpod API PATCH /serverless/ep1 failed (HTTP 422): Request validation failed.: workers.max: must be >= 0",
    );
    expect(calls("PATCH", /ep1/)).toBe(1);
  });

  it("a create rejected by the API (400) reports the API's detail", async () => {
    fail("POST", SERVERLESS, 400, "exactly one of gpu or cpu is required");
    await expect(createRunpodEndpoint(client(), spec)).rejects.toThrow(
      /POST \/serverless failed \(HTTP 400\): exactly one of gpu or cpu is required/,
    );
  });

  it("429 honours Retry-After seconds, then succeeds (POST too)", async () => {
    fail("POST", SERVERLESS, 429, "rate limit exceeded for the minute window", {
      headers: { "Retry-After": "7" },
    });
    const ep = await client().createEndpoint(createBody());
    expect(ep.id).toMatch(/^ep/);
    expect(sleeps).toEqual([7000]);
    expect(calls("POST", /serverless/)).toBe(2);
  });

  it("500 then success is retried for idempotent requests with exponential backoff", async () => {
    const c = client();
    const out = await createRunpodEndpoint(c, spec);
    fail("GET", /^\/v2\/serverless\//, 500, "boom", { times: 2 });
    expect(await c.getEndpoint(out.endpointId)).toMatchObject({ id: out.endpointId });
    expect(sleeps).toEqual([500, 1000]);
  });

  it("500 forever fails after the configured retries", async () => {
    fail("DELETE", /^\/v2\/serverless\//, 503, "unavailable", { times: 99 });
    const e = await failure(client({ retries: 3 }).deleteEndpoint("ep9"));
    expect([e.status, e.attempts, e.apiMessage]).toEqual([503, 4, "unavailable"]);
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(calls("DELETE", /ep9/)).toBe(4);
  });

  it("POST is not retried on 500", async () => {
    fail("POST", SERVERLESS, 500, "internal", { times: 5 });
    const e = await failure(client().createEndpoint(createBody()));
    expect([e.status, e.attempts]).toEqual([500, 1]);
    expect(calls("POST", /serverless/)).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("POST is retried when the connection was refused before sending", async () => {
    let refusals = 1;
    const flaky: FetchLike = (url, init) => {
      if (refusals-- > 0)
        return Promise.reject(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }));
      return fetch(url, init);
    };
    const ep = await client({ fetch: flaky }).createEndpoint(createBody());
    expect(ep.id).toMatch(/^ep/);
    expect(sleeps).toEqual([500]);
  });

  it("a hung request times out, is retried when idempotent, then fails with status 0", async () => {
    inject({ method: "GET", path: /^\/v2\/serverless\/slow$/, hang: true, times: 2 });
    const e = await failure(client({ timeoutMs: 100, retries: 1 }).getEndpoint("slow"));
    expect([e.status, e.attempts]).toEqual([0, 2]);
    expect(e.message).toMatch(/timed out after 100 ms/);
    expect(calls("GET", /slow/)).toBe(2);
  });

  it("a hung POST is not retried", async () => {
    inject({ method: "POST", path: SERVERLESS, hang: true });
    const e = await failure(client({ timeoutMs: 100 }).createEndpoint(createBody()));
    expect([e.status, e.attempts]).toEqual([0, 1]);
    expect(e.message).not.toContain(KEY);
  });
});

describe("pure request building", () => {
  it("resolves GPU types to pools minus the pools' other types; rejects invalid specs", () => {
    expect(resolveGpuSelection(["NVIDIA L4"], CATALOG)).toEqual({
      pools: ["ADA_24"],
      excludedTypes: ["NVIDIA GeForce RTX 4090"],
    });
    expect(resolveGpuSelection(["NVIDIA L4", "NVIDIA GeForce RTX 4090"], CATALOG).excludedTypes).toEqual([]);
    expect(() => endpointRequest({ ...spec, workersMin: 3, workersMax: 2, gpuTypeIds: [] }, CATALOG)).toThrow(
      /gpuTypeIds is empty.*workersMin exceeds workersMax/,
    );
    expect(() => endpointRequest({ ...spec, idleTimeoutSeconds: 3601 }, CATALOG)).toThrow(/1\.\.3600/);
    expect(endpointRequest({ ...spec, hfTokenEnv: undefined }, CATALOG).env).not.toHaveProperty("HF_TOKEN");
    const opts = endpointRequest({ ...spec, flashboot: false, allowedCudaVersions: ["12.8"] }, CATALOG);
    expect([opts.flashboot, opts.gpu?.allowedCudaVersions]).toEqual(["OFF", ["12.8"]]);
  });

  it("plans none / patch / replace", () => {
    const plan = (change: Partial<RunpodEndpointSpec>) =>
      planRunpodUpdate(spec, { ...spec, ...change }, CATALOG);
    expect(plan({}).action).toBe("none");
    expect(plan({ idleTimeoutSeconds: 5, gpuTypeIds: ["NVIDIA L40S"] })).toMatchObject({
      action: "patch",
      patch: {
        workers: { min: 0, max: 2, idleTimeout: 5 },
        gpu: { pools: ["ADA_48_PRO"], excludedTypes: [] },
      },
    });
    const cuda = planRunpodUpdate(spec, { ...spec, allowedCudaVersions: ["12.8"], flashboot: false }); // no catalog
    expect(cuda.patch).toEqual({ flashboot: "OFF", gpu: { allowedCudaVersions: ["12.8"] } });
    expect(plan({ workersMax: 3, image: "runpod/worker-v1-vllm:v2.26.0" })).toMatchObject({
      action: "replace",
      changed: ["image", "workersMax"],
    });
  });
});
