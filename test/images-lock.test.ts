// `npm run images:lock` against a stub registry on loopback (node:http): the token challenge, the manifest request
// with the index media types first, the digest as the sha256 of the bytes served, the lock file it writes; and a
// clear failure, with the lock untouched, when no registry is reachable (as where this project is built).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE, registryOf, renderLock, resolveDigest } from "../bin/images-lock";
import { catalogImageRefs } from "../components/catalog";

const ROOT = join(__dirname, "..");
const TOKEN = "stub-token-1";
const sha256 = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
/** The stub's manifest for a repository and tag: distinct bytes per image. */
const manifestOf = (repo: string, tag: string) =>
  JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", repo, tag });

let server: Server;
let base = "";
const seen: { path: string; accept?: string; auth?: string }[] = [];
/** Repositories whose Docker-Content-Digest header lies. */
const lying = new Set<string>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url!, base);
    seen.push({ path: url.pathname, accept: req.headers.accept, auth: req.headers.authorization });
    if (url.pathname === "/token") {
      const scope = url.searchParams.get("scope") ?? "";
      res.writeHead(
        url.searchParams.get("service") === "stub" && /^repository:.+:pull$/.test(scope) ? 200 : 400,
        {
          "Content-Type": "application/json",
        },
      );
      return void res.end(JSON.stringify({ token: TOKEN }));
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, repo, tag] = m as unknown as [string, string, string];
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, {
        "WWW-Authenticate": `Bearer realm="${base}/token",service="stub",scope="repository:${repo}:pull"`,
      });
      return void res.end();
    }
    const body = manifestOf(repo, tag);
    res.writeHead(200, {
      "Content-Type": "application/vnd.oci.image.index.v1+json",
      "Docker-Content-Digest": lying.has(repo) ? sha256("something else") : sha256(body),
    });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
);

const env = () => ({ ...process.env, AI_LAYER_REGISTRY_URL: base });

describe("registryOf", () => {
  it("Docker Hub names (library/ when bare), ghcr.io and nvcr.io", () => {
    expect(registryOf("redis:7.4.11-alpine")).toEqual({
      host: "registry-1.docker.io",
      repository: "library/redis",
      tag: "7.4.11-alpine",
    });
    expect(registryOf("prom/prometheus:v3.14.0").repository).toBe("prom/prometheus");
    expect(registryOf("ghcr.io/berriai/litellm:v1.104.9")).toMatchObject({
      host: "ghcr.io",
      repository: "berriai/litellm",
    });
    expect(registryOf("nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless")).toMatchObject({
      host: "nvcr.io",
      repository: "nvidia/k8s/dcgm-exporter",
    });
    expect(() => registryOf("redis")).toThrow(/name:tag/);
  });
});

describe("resolveDigest against the stub registry", () => {
  it("answers the token challenge, asks for the index first and hashes what was served", async () => {
    seen.length = 0;
    const digest = await resolveDigest("ghcr.io/berriai/litellm:v1.104.9", env());
    expect(digest).toBe(sha256(manifestOf("berriai/litellm", "v1.104.9")));
    expect(seen.map((s) => s.path)).toEqual([
      "/v2/berriai/litellm/manifests/v1.104.9",
      "/token",
      "/v2/berriai/litellm/manifests/v1.104.9",
    ]);
    expect(seen[2]!.auth).toBe(`Bearer ${TOKEN}`);
    expect(seen[2]!.accept?.split(", ")[0]).toBe("application/vnd.oci.image.index.v1+json");
  });

  it("refuses a registry whose Docker-Content-Digest differs from the bytes it served", async () => {
    lying.add("library/redis");
    try {
      await expect(resolveDigest("redis:7.4.11-alpine", env())).rejects.toThrow(
        /says sha256:.* but the manifest/,
      );
    } finally {
      lying.delete("library/redis");
    }
  });
});

describe("npm run images:lock (tsx on bin/images-lock.ts)", () => {
  // Asynchronous: the stub registry answers from this process, which a synchronous spawn would block.
  const runLock = (args: string[], extraEnv: NodeJS.ProcessEnv) =>
    new Promise<{ status: number | null; stderr: string }>((done) =>
      execFile(
        process.execPath,
        ["--import", "tsx", join(ROOT, "bin", "images-lock.ts"), ...args],
        { cwd: ROOT, env: { ...process.env, TSX_DISABLE_CACHE: "1", ...extraEnv }, timeout: 60_000 },
        (error, _stdout, stderr) =>
          done({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr }),
      ),
    );
  let dir = "";
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "ai-layer-images-lock-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes every catalog reference with the digest its registry served, as a formatted module", async () => {
    const out = join(dir, "lock.ts");
    const r = await runLock(["--out", out], { AI_LAYER_REGISTRY_URL: base });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    const expected = Object.fromEntries(
      catalogImageRefs().map((ref) => {
        const { repository, tag } = registryOf(ref);
        return [ref, sha256(manifestOf(repository, tag))];
      }),
    );
    expect(text).toBe(renderLock(expected));
    // The file is committed: it must already be in the project's format.
    expect(await format(text, { ...(await resolveConfig(LOCK_FILE)), filepath: LOCK_FILE })).toBe(text);
  });

  it("offline: exits 1 naming the unreachable registry, and leaves the lock as it was", async () => {
    const out = join(dir, "offline.ts");
    writeFileSync(out, "before\n");
    const r = await runLock(["--out", out], { AI_LAYER_REGISTRY_URL: "http://127.0.0.1:1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /cannot reach 127\.0\.0\.1:1 .*needs network to the registries.*The lock was not changed/,
    );
    expect(readFileSync(out, "utf8")).toBe("before\n");
    expect(existsSync(join(dir, "lock.ts"))).toBe(true);
  });

  it("the shipped lock is what the command writes for the digests it holds (empty: none could be read here)", () => {
    const shipped = readFileSync(LOCK_FILE, "utf8");
    const entries = Object.fromEntries(
      [...shipped.matchAll(/"([^"]+)":\s*"(sha256:[0-9a-f]{64})"/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(shipped).toBe(renderLock(entries));
  });
});
