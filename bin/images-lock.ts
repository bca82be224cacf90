/**
 * `npm run images:lock`: reads, from each registry, the digest every catalog image reference
 * (components/catalog/images.ts IMAGES and RUNPOD_WORKER) points to now, and writes them to the image lock
 * components/catalog/imageDigests.ts, which the plan joins onto every image (`repo:tag@sha256:…`). Needs network to
 * the registries; it writes nothing unless every reference resolved. Review the diff before committing it: the lock
 * is what every node and host will pull.
 *
 * Registry protocol (distribution/distribution docs/content/spec/api.md and spec/auth/token.md @01b4555d):
 * `GET /v2/<name>/manifests/<tag>`; a 401 carries `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, and a GET
 * of the realm with `service` and `scope` returns `{"token"}` or `{"access_token"}` (anonymous for public
 * repositories: auth.docker.io, ghcr.io/token, nvcr.io's proxy_auth) to retry with `Authorization: Bearer`. The
 * digest is the sha256 of the manifest bytes as served — for a multi-platform image the index (OCI image index or
 * Docker manifest list, asked for first in Accept), the same digest `docker pull repo:tag@sha256:…` verifies — and
 * must equal the registry's `Docker-Content-Digest` header when it sends one.
 *
 * Options: `--out FILE` (default the lock); env AI_LAYER_REGISTRY_URL sends every request to that base URL instead
 * of each image's registry (a pull-through mirror, or the tests' loopback registry).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { catalogImageRefs } from "../components/catalog";

const ROOT = resolve(__dirname, "..");
export const LOCK_FILE = join(ROOT, "components", "catalog", "imageDigests.ts");

/** Manifest media types, the index kinds first: the digest of a multi-platform tag is its index's. */
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export class ImageLockError extends Error {}

/** Where a reference lives: registry host, repository path, tag. Docker Hub names get `library/` when bare. */
export function registryOf(ref: string): { host: string; repository: string; tag: string } {
  const at = ref.lastIndexOf(":");
  if (at < 0 || ref.slice(at).includes("/") || ref.includes("@"))
    throw new ImageLockError(`${ref}: expected name:tag without a digest`);
  const [name, tag] = [ref.slice(0, at), ref.slice(at + 1)];
  const first = name.split("/")[0]!;
  const hasHost = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasHost) return { host: first, repository: name.slice(first.length + 1), tag };
  return { host: "registry-1.docker.io", repository: name.includes("/") ? name : `library/${name}`, tag };
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

async function get(url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: "follow" });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ImageLockError(
      `cannot reach ${new URL(url).host} (${cause?.code ?? cause?.message ?? (e as Error).message}); ` +
        "npm run images:lock needs network to the registries — run it where they are reachable",
    );
  }
}

/** The digest `ref` (name:tag) points to now, read from its registry. */
export async function resolveDigest(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { host, repository, tag } = registryOf(ref);
  const base = env.AI_LAYER_REGISTRY_URL?.replace(/\/$/, "") ?? `https://${host}`;
  const url = `${base}/v2/${repository}/manifests/${tag}`;
  let res = await get(url, { Accept: ACCEPT });
  if (res.status === 401) {
    const challenge = bearerChallenge(res.headers.get("www-authenticate"));
    if (!challenge?.realm)
      throw new ImageLockError(`${ref}: ${host} asks for credentials this command lacks`);
    const tokenUrl = new URL(challenge.realm);
    if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
    tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
    const tokenRes = await get(tokenUrl.toString(), {});
    if (!tokenRes.ok)
      throw new ImageLockError(`${ref}: token request to ${tokenUrl.host} got ${tokenRes.status}`);
    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new ImageLockError(`${ref}: ${tokenUrl.host} returned no token`);
    res = await get(url, { Accept: ACCEPT, Authorization: `Bearer ${token}` });
  }
  if (!res.ok) throw new ImageLockError(`${ref}: ${host} answered ${res.status} for the manifest of ${tag}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const said = res.headers.get("docker-content-digest");
  if (said && said !== digest)
    throw new ImageLockError(`${ref}: ${host} says ${said} but the manifest it served hashes to ${digest}`);
  return digest;
}

/** The lock module's text: the references sorted, one per line. */
export function renderLock(digests: Readonly<Record<string, string>>): string {
  const entries = Object.keys(digests)
    .sort()
    .map((ref) => {
      // Laid out as prettier lays it out (printWidth 110, .prettierrc): one line when it fits.
      const [key, value] = [JSON.stringify(ref), JSON.stringify(digests[ref])];
      const line = `  ${key}: ${value},`;
      return line.length <= 110 ? line : `  ${key}:\n    ${value},`;
    });
  return [
    "/**",
    " * The image lock: each pinned image reference of the catalog (components/catalog/images.ts IMAGES and",
    " * RUNPOD_WORKER) → the sha256 digest its registry served for it, as read by `npm run images:lock`",
    " * (bin/images-lock.ts, which rewrites this file; it needs network to the registries).",
    " *",
    " * A digest that was not read from its registry must never be written here. References missing from the lock",
    " * are pinned by their tag only, and the plan's summary says so.",
    " */",
    `export const IMAGE_DIGESTS: Readonly<Record<string, string>> = {${entries.length ? "\n" : ""}${entries.join("\n")}${entries.length ? "\n" : ""}};`,
    "",
  ].join("\n");
}

export async function main(argv: string[] = process.argv.slice(2), env = process.env): Promise<number> {
  const outAt = argv.indexOf("--out");
  const out = outAt >= 0 ? argv[outAt + 1] : LOCK_FILE;
  if (!out || argv.some((a, i) => a !== "--out" && i !== outAt + 1)) {
    console.error("usage: npm run images:lock [-- --out FILE]");
    return 1;
  }
  const digests: Record<string, string> = {};
  try {
    for (const ref of catalogImageRefs()) {
      digests[ref] = await resolveDigest(ref, env);
      console.log(`${ref} → ${digests[ref]}`);
    }
  } catch (e) {
    if (!(e instanceof ImageLockError)) throw e;
    console.error(`ai-layer images:lock: ${e.message}. The lock was not changed.`);
    return 1;
  }
  writeFileSync(out, renderLock(digests));
  console.log(`wrote ${Object.keys(digests).length} digests to ${out}; review the diff before committing it`);
  return 0;
}

if (require.main === module) main().then((code) => process.exit(code));
