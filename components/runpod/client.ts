// Runpod REST API v2 client: serverless endpoints, GPU catalog, legacy template cleanup.
// Sources (runpod/docs @a900806e, 2026-08-20; these files last changed in df512e53):
// - `api-reference-v2/migrate-from-v1.mdx`: v1 (`https://rest.runpod.io/v1`) is retired on 2026-11-15; base URL
//   `https://api.runpod.io/v2`; `/endpoints` → `/v2/serverless`, `/templates` → `/v2/templates`; generic `{id}` path
//   parameter; auth unchanged (`Authorization: Bearer <key>`); v1 `POST /endpoints/{id}/update` dropped for PATCH;
//   errors are RFC 9457 `{title, status, detail, errors?}`.
// - `api-reference-v2/openapi.json` (servers: `https://api.runpod.io`, paths carry `/v2`):
//   `POST /v2/serverless` (CreateEndpointRequest → 201 Endpoint; 400/401/403/422/429),
//   `GET /v2/serverless/{id}` (200/401/403/404/429), `PATCH /v2/serverless/{id}` (UpdateEndpointRequest → 200
//   Endpoint; 400/404/422/429), `DELETE /v2/serverless/{id}` (204; 404; "deletes a serverless endpoint and its bound
//   template"), `DELETE /v2/templates/{id}` (204; 400 "Template is in use…"; 404), `GET /v2/catalog/gpus`
//   (ListGpuTypesResponse `{gpus: GpuType[]}`, GpuType.pool = serverless pool id or null).
//   TooManyRequestsError: 429 + `Retry-After` (integer seconds). No 409 is documented for serverless/templates.
//   Errors: `application/problem+json` ErrorResponse {title, status, detail (required), errors?: string[]}.

/** Fetch signature the client needs (the global `fetch` satisfies it). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Default management API base (migrate-from-v1.mdx "What changed at a glance"). */
export const RUNPOD_API_BASE_URL = "https://api.runpod.io/v2";

/** Options for {@link RunpodClient}. */
export interface RunpodClientOptions {
  /** Runpod API key (sent only as a Bearer token, scrubbed from every error message). */
  apiKey: string;
  /** REST v2 base URL including `/v2`, without a trailing slash (default {@link RUNPOD_API_BASE_URL}). */
  baseUrl?: string;
  fetch?: FetchLike; // injected fetch (tests, proxies)
  /** Retries after the first attempt for retryable failures. */
  retries?: number;
  /** Per-attempt timeout (headers and body), enforced with an AbortController. */
  timeoutMs?: number;
  /** Delay function used between attempts (inject a fake in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** First backoff delay; doubles each attempt, capped at 30 s. */
  backoffMs?: number;
}

/** An HTTP or transport failure from the Runpod API. `status` is 0 for network errors and timeouts. */
export class RunpodApiError extends Error {
  override readonly name = "RunpodApiError";
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly apiMessage: string,
    readonly attempts: number,
  ) {
    super(
      `Runpod API ${method} ${path} failed (${status === 0 ? "no response" : `HTTP ${status}`}): ${apiMessage}`,
    );
  }
}

/** FlashBoot mode (schema FlashBoot; create default `OFF`). */
export type FlashBoot = "OFF" | "FLASHBOOT" | "PRIORITY_FLASHBOOT";

/** `gpu` of a create (CreateEndpointGpuConfig): pools required; excludedTypes are GPU *type* ids to subtract. */
export interface EndpointGpuConfig {
  pools: string[];
  excludedTypes?: string[];
  count?: number;
  allowedCudaVersions?: string[];
}

/** EndpointWorkers (`idleTimeout` in seconds, 1..3600). */
export type EndpointWorkers = { min?: number; max?: number; idleTimeout?: number };

/** EndpointScaling: discriminated union on `type`. */
export type EndpointScaling =
  { type: "QUEUE_DELAY"; queueDelay: number } | { type: "REQUEST_COUNT"; requestCount: number };

/** Body of `POST /v2/serverless` (the CreateEndpointRequest fields we send; image is required without templateId). */
export interface CreateEndpointRequest {
  name: string;
  type: "QUEUE" | "LOAD_BALANCER";
  scaling: EndpointScaling;
  image: string;
  disk?: number;
  env?: Record<string, string>;
  gpu?: EndpointGpuConfig;
  workers?: EndpointWorkers;
  flashboot?: FlashBoot;
}

/** Body of `PATCH /v2/serverless/{id}` (UpdateEndpointRequest; only provided fields change). */
export type UpdateEndpointRequest = Partial<Omit<CreateEndpointRequest, "type" | "gpu">> & {
  /** UpdateEndpointGpuConfig: all optional, but `excludedTypes` requires `pools`. */
  gpu?: Partial<EndpointGpuConfig>;
};

/** An endpoint as returned by the API (Endpoint; fields we use, others are kept). */
export interface RunpodEndpoint {
  id: string;
  name?: string;
  gpu?: EndpointGpuConfig | null;
  workers?: EndpointWorkers;
  [key: string]: unknown;
}

/** A catalog GPU type (GpuType): `id` is the type id, `pool` the serverless pool (null: not serverless). */
export type GpuType = { id: string; pool: string | null; [key: string]: unknown };

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const IDEMPOTENT = new Set(["GET", "DELETE", "PATCH"]);
const MAX_DELAY_MS = 30_000;

/** Plain-HTTP Runpod client: JSON in/out, bounded retries, per-attempt timeouts, secret-free errors. */
export class RunpodClient {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly backoffMs: number;

  constructor(opts: RunpodClientOptions) {
    if (!opts.apiKey) throw new Error("RunpodClient: apiKey is required");
    this.apiKey = opts.apiKey;
    this.baseUrl = (opts.baseUrl ?? RUNPOD_API_BASE_URL).replace(/\/+$/, "");
    if (/rest\.runpod\.io\/v1$/.test(this.baseUrl)) {
      throw new Error(`RunpodClient: REST v1 was retired on 2026-11-15; use ${RUNPOD_API_BASE_URL}`);
    }
    this.fetchFn = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.retries = Math.max(0, Math.floor(opts.retries ?? 3));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.backoffMs = opts.backoffMs ?? 500;
  }

  /** `GET /v2/catalog/gpus` — every GPU type with its serverless pool. */
  async listGpuTypes(): Promise<GpuType[]> {
    const res = await this.request<{ gpus?: GpuType[] }>("GET", "/catalog/gpus");
    if (!Array.isArray(res?.gpus)) throw this.fail(200, "GET", "/catalog/gpus", "no gpus array", 1);
    return res.gpus;
  }

  /** `POST /v2/serverless` (201) — not retried except on 429 / connection refused. */
  async createEndpoint(body: CreateEndpointRequest): Promise<RunpodEndpoint> {
    const created = await this.request<RunpodEndpoint>("POST", "/serverless", body);
    return this.withId(created, "POST", "/serverless");
  }

  /** `GET /v2/serverless/{id}`; `undefined` when the endpoint does not exist (404). */
  async getEndpoint(id: string): Promise<RunpodEndpoint | undefined> {
    return this.request<RunpodEndpoint>("GET", `/serverless/${encodeURIComponent(id)}`, undefined, true);
  }

  /** `PATCH /v2/serverless/{id}` (container changes roll out as a new release; scaling applies promptly). */
  async updateEndpoint(id: string, body: UpdateEndpointRequest): Promise<RunpodEndpoint> {
    const path = `/serverless/${encodeURIComponent(id)}`;
    return this.withId(await this.request<RunpodEndpoint>("PATCH", path, body), "PATCH", path);
  }

  /** `DELETE /v2/serverless/{id}` (also deletes its bound template); a missing endpoint (404) counts as deleted. */
  async deleteEndpoint(id: string): Promise<void> {
    await this.request<unknown>("DELETE", `/serverless/${encodeURIComponent(id)}`, undefined, true);
  }

  /** `DELETE /v2/templates/{id}`; a missing template (404) counts as deleted. */
  async deleteTemplate(id: string): Promise<void> {
    await this.request<unknown>("DELETE", `/templates/${encodeURIComponent(id)}`, undefined, true);
  }
  private withId<T extends { id: string }>(value: T | undefined, method: string, path: string): T {
    if (!value || typeof value.id !== "string" || !value.id) {
      throw this.fail(200, method, path, "response has no resource id", 1);
    }
    return value;
  }

  private scrub(text: string): string {
    return text.split(this.apiKey).join("***");
  }

  private fail(
    status: number,
    method: string,
    path: string,
    message: string,
    attempts: number,
  ): RunpodApiError {
    return new RunpodApiError(status, method, path, this.scrub(message), attempts);
  }

  private backoff(attempt: number): number {
    return Math.min(MAX_DELAY_MS, this.backoffMs * 2 ** attempt);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    notFoundOk = false,
  ): Promise<T | undefined> {
    const idempotent = IDEMPOTENT.has(method);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: "application/json",
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const payload = body === undefined ? undefined : JSON.stringify(body);

    for (let attempt = 0; ; attempt++) {
      const attempts = attempt + 1;
      const canRetry = attempt < this.retries;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const res = await this.fetchFn(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: payload,
          signal: controller.signal,
        });
        status = res.status;
        retryAfter = res.headers.get("retry-after");
        text = await res.text();
      } catch (err) {
        const timedOut = controller.signal.aborted;
        const code = errorCode(err);
        // Connection refused means nothing reached the server, so even a POST is safe to resend.
        if (canRetry && (idempotent || code === "ECONNREFUSED")) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        const what = timedOut
          ? `timed out after ${this.timeoutMs} ms`
          : `network error${code ? ` ${code}` : ""}`;
        const detail = timedOut ? "" : `: ${err instanceof Error ? err.message : String(err)}`;
        throw this.fail(0, method, path, `${what}${detail} (after ${attempts} attempt(s))`, attempts);
      } finally {
        clearTimeout(timer);
      }

      if (status >= 200 && status < 300) {
        if (!text.trim()) return undefined;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw this.fail(status, method, path, "response is not valid JSON", attempts);
        }
      }
      if (status === 404 && notFoundOk) return undefined;
      if (canRetry && status === 429) {
        await this.sleep(retryAfterMs(retryAfter) ?? this.backoff(attempt));
        continue;
      }
      if (canRetry && idempotent && RETRYABLE_STATUS.has(status)) {
        await this.sleep(this.backoff(attempt));
        continue;
      }
      throw this.fail(status, method, path, apiMessage(text, status), attempts);
    }
  }
}

/** Seconds form of Retry-After (the form Runpod v2 documents), capped; HTTP-date form falls back to backoff. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  return Math.min(MAX_DELAY_MS * 4, Math.round(Number(header) * 1000));
}

/** Node's fetch (undici) wraps socket errors: `TypeError("fetch failed", { cause: { code } })`. */
function errorCode(err: unknown): string | undefined {
  const direct = (err as { code?: unknown } | null)?.code;
  if (typeof direct === "string") return direct;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

/** The API's own words: RFC 9457 `detail` (else `title`) plus any `errors[]`; else a trimmed body. */
function apiMessage(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as {
      detail?: unknown;
      title?: unknown;
      message?: unknown;
      errors?: unknown;
    };
    // `message` is not a v2 field; kept only so an unexpected legacy-shaped body still reads well.
    const main = [parsed.detail, parsed.title, parsed.message].find((v) => typeof v === "string" && v) as
      string | undefined;
    const extra = Array.isArray(parsed.errors) ? parsed.errors.map((e) => String(e)).join("; ") : "";
    if (main || extra) return [main, extra].filter(Boolean).join(": ");
  } catch {
    // not JSON; fall through
  }
  const trimmed = text.trim().slice(0, 300);
  return trimmed || `HTTP ${status} with empty body`;
}
