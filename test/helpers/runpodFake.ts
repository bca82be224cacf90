// Loopback fake of the Runpod REST v2 routes the client uses (runpod/docs @a900806e api-reference-v2/openapi.json:
// /v2/serverless[/{id}], /v2/templates/{id}, /v2/catalog/gpus), with in-memory state, RFC 9457 error bodies, a
// request log and one-shot fault injection (status/body/headers, or a hang).
import http from "node:http";
import type { AddressInfo } from "node:net";

export const KEY = "rpa_TEST_SECRET_KEY_0123456789";

/** Test catalog (GpuType id → serverless pool). Pool names follow the docs' `ADA_24` example; not real data. */
export const CATALOG = [
  { id: "NVIDIA GeForce RTX 4090", pool: "ADA_24" },
  { id: "NVIDIA L4", pool: "ADA_24" },
  { id: "NVIDIA RTX A5000", pool: "AMPERE_24" },
  { id: "NVIDIA RTX A4500", pool: "AMPERE_24" },
  { id: "NVIDIA L40S", pool: "ADA_48_PRO" },
  { id: "NVIDIA H100 80GB HBM3", pool: null },
];

export type Fault = {
  method: string;
  path: RegExp;
  times: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  hang?: boolean;
};
export type Seen = { method: string; path: string; auth?: string; contentType?: string; body?: unknown };
type Rec = Record<string, unknown>;

export const fake = {
  templates: new Map<string, Rec>(),
  endpoints: new Map<string, Rec>(),
  faults: [] as Fault[],
  seen: [] as Seen[],
  nextId: 1,
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  res.writeHead(status, { "content-type": type, ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

/** An RFC 9457 body as v2 sends it (ErrorResponse). */
export const problemBody = (status: number, detail: string, errors?: string[]) => ({
  title: TITLES[status] ?? "Error",
  status,
  detail,
  ...(errors ? { errors } : {}),
});

function problem(res: http.ServerResponse, status: number, detail: string, errors?: string[]) {
  send(res, status, problemBody(status, detail, errors));
}

/** 400 unless every excluded type is a catalog type in one of the pools (documented on excludedTypes). */
function badGpu(gpu: Rec | undefined): string | undefined {
  if (!gpu) return undefined;
  const pools = (gpu.pools as string[] | undefined) ?? [];
  const bad = ((gpu.excludedTypes as string[] | undefined) ?? []).filter(
    (t) => !CATALOG.some((g) => g.id === t && g.pool !== null && pools.includes(g.pool)),
  );
  return bad.length ? `excludedTypes not in pools: ${bad.join(", ")}` : undefined;
}

function route(method: string, path: string, body: Rec, res: http.ServerResponse): void {
  if (method === "GET" && path === "/v2/catalog/gpus") return send(res, 200, { gpus: CATALOG });
  const m = /^\/v2\/(templates|serverless)(?:\/([^/]+))?$/.exec(path);
  if (!m) return problem(res, 404, "no such route");
  const [, kind, id] = m;
  const store = kind === "templates" ? fake.templates : fake.endpoints;
  if (method === "POST" && !id && kind === "serverless") {
    const missing = ["name", "type", "scaling", "image"].filter((k) => !body[k]);
    const gpu = body.gpu as Rec | undefined;
    if (!gpu || !Array.isArray(gpu.pools) || !gpu.pools.length) missing.push("gpu.pools");
    if (missing.length)
      return problem(
        res,
        422,
        "Request validation failed.",
        missing.map((k) => `${k}: required`),
      );
    const gpuErr = badGpu(gpu);
    if (gpuErr) return problem(res, 400, gpuErr);
    const newId = `ep${fake.nextId++}`;
    store.set(newId, { ...body, id: newId, createdAt: "2026-11-28T00:00:00Z" });
    return send(res, 201, store.get(newId));
  }
  const item = id ? store.get(id) : undefined;
  if (!id || !item) return problem(res, 404, "resource not found");
  if (method === "GET") return send(res, 200, item);
  if (method === "PATCH" && kind === "serverless") {
    const gpuPatch = body.gpu as Rec | undefined;
    if (gpuPatch?.excludedTypes && !gpuPatch.pools) return problem(res, 400, "excludedTypes requires pools");
    const oldGpu = (item.gpu as Rec | undefined) ?? {};
    // Sending `pools` replaces the selection wholesale (an omitted excludedTypes is cleared).
    const base = gpuPatch?.pools ? { ...oldGpu, excludedTypes: undefined } : oldGpu;
    const gpu = gpuPatch ? { ...base, ...gpuPatch } : oldGpu;
    const gpuErr = badGpu(gpu);
    if (gpuErr) return problem(res, 400, gpuErr);
    const workers = { ...(item.workers as Rec | undefined), ...(body.workers as Rec | undefined) };
    store.set(id, { ...item, ...body, gpu, workers });
    return send(res, 200, store.get(id));
  }
  if (method === "DELETE") {
    if (kind === "templates" && [...fake.endpoints.values()].some((e) => e.templateId === id)) {
      return problem(res, 400, "template is in use by a serverless endpoint");
    }
    store.delete(id);
    // "Permanently deletes a serverless endpoint and its bound template."
    if (kind === "serverless" && typeof item.templateId === "string") fake.templates.delete(item.templateId);
    return send(res, 204);
  }
  send(res, 405, { title: "Method Not Allowed", status: 405, detail: "method not allowed" });
}

/** Starts the fake on 127.0.0.1 (port 0); returns its `/v2` base URL and a close function. */
export async function startRunpodFake(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const method = req.method ?? "";
      const path = (req.url ?? "").split("?")[0] ?? "";
      const body = raw ? (JSON.parse(raw) as Rec) : {};
      fake.seen.push({
        method,
        path,
        auth: req.headers.authorization,
        contentType: req.headers["content-type"],
        body: raw ? body : undefined,
      });
      if (req.headers.authorization !== `Bearer ${KEY}`) {
        // A careless API that echoes the credential: the client must scrub it.
        return problem(res, 401, `invalid api key: ${req.headers.authorization ?? ""}`);
      }
      const fault = fake.faults.find((f) => f.times > 0 && f.method === method && f.path.test(path));
      if (fault) {
        fault.times--;
        if (fault.hang) return; // never answer; the client's timeout must fire
        return send(res, fault.status ?? 500, fault.body, fault.headers);
      }
      route(method, path, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { baseUrl, close };
}

/** Clears state, faults and the request log. */
export function resetRunpodFake(): void {
  fake.templates.clear();
  fake.endpoints.clear();
  fake.faults = [];
  fake.seen = [];
  fake.nextId = 1;
}
