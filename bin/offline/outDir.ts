/**
 * Where `npm run plan` writes, safely: only into a new or empty directory, or one a previous plan wrote (it holds
 * the marker file), never into anything else (`--out .` must not wipe a checkout). The plan is written whole into a
 * sibling temp directory and swapped in under a lock, so concurrent plans into one directory never crash or
 * interleave: one writes, the other is refused, or they take turns; the directory always holds one whole plan.
 */
import { randomBytes } from "node:crypto";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

/** The file every plan directory holds: proof that a plan wrote it and may replace it. */
export const PLAN_MARKER = ".ai-layer-plan";
const MARKER_TEXT =
  "Written by `npm run plan` (ai-layer). The next plan into this directory replaces it whole.\n";
/** What a plan writes at the top of its directory; a directory holding only these is a plan from before the marker. */
const PLAN_ENTRIES = new Set([
  PLAN_MARKER,
  "resources.json",
  "files",
  "summary.md",
  "policies.json",
  "outputs.json",
]);

/** An --out directory the plan must not or cannot write: exit 1, nothing written. */
export class OutDirError extends Error {}

/** The nearest path at or above `path` that exists (`/` at worst). */
function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * Throws OutDirError unless the plan may write `outDir` (absolute): it does not exist and can be created, or it is
 * an empty directory, or a previous plan's directory. Checked before the program runs, and again under the lock.
 */
export function checkOutDir(outDir: string): void {
  const existing = nearestExisting(outDir);
  if (existing !== outDir) {
    if (!statSync(existing).isDirectory())
      throw new OutDirError(
        `--out ${outDir}: ${existing} is a file, not a directory, so nothing can be written under it`,
      );
    return;
  }
  if (!lstatSync(outDir).isDirectory())
    throw new OutDirError(`--out ${outDir} exists and is not a directory; pass a new or empty directory`);
  const entries = readdirSync(outDir);
  if (entries.length === 0 || entries.includes(PLAN_MARKER)) return;
  // A plan written before the marker existed: exactly the plan's own files.
  if (entries.includes("resources.json") && entries.every((e) => PLAN_ENTRIES.has(e))) return;
  throw new OutDirError(
    `refusing to write the plan into ${outDir}: it is not empty and no plan wrote it (no ${PLAN_MARKER} file). ` +
      `The plan replaces its directory whole; pass --out with a new or empty directory.`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock of `outDir`: a sibling file holding the writer's pid, created exclusively. */
export function lockPath(outDir: string): string {
  return `${outDir}.lock`;
}

/**
 * Takes the lock of `outDir` or throws OutDirError naming the plan that holds it. A lock whose process is gone
 * (a crashed plan) is taken over. Returns the release function.
 */
export function lockOutDir(outDir: string): () => void {
  const lock = lockPath(outDir);
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    // The pid goes into a file of our own that is then hard-linked as the lock: link() fails with EEXIST if the
    // lock exists and otherwise creates it with its content, so no reader ever sees an empty lock.
    const mine = `${lock}.${process.pid}-${randomBytes(4).toString("hex")}`;
    writeFileSync(mine, `${process.pid}\n`);
    try {
      linkSync(mine, lock);
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      rmSync(mine, { force: true });
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lock, "utf8"), 10);
    } catch {
      // Released meanwhile: try again.
    }
    const stale = Number.isInteger(holder) && holder !== process.pid && !processAlive(holder);
    if (attempt < 3 && (stale || Number.isNaN(holder))) {
      if (stale) rmSync(lock, { force: true });
      continue;
    }
    throw new OutDirError(
      `another plan (pid ${Number.isNaN(holder) ? "unknown" : holder}) is writing ${outDir}; ` +
        `run again when it has finished (lock: ${lock})`,
    );
  }
}

/**
 * Writes `files` (relative path → content) and the marker into a sibling temp directory, then swaps it in for
 * `outDir` under the lock: the directory holds the previous plan or this one, whole, at every moment but the
 * instant between two renames. Throws OutDirError if another plan holds the lock or the directory became unsafe.
 */
export function writePlanDir(outDir: string, files: ReadonlyMap<string, string>): void {
  const release = lockOutDir(outDir);
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = `${outDir}.tmp-${suffix}`;
  const old = `${outDir}.old-${suffix}`;
  try {
    checkOutDir(outDir);
    for (const [rel, content] of files) {
      const p = join(tmp, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    writeFileSync(join(tmp, PLAN_MARKER), MARKER_TEXT);
    const replacing = existsSync(outDir);
    if (replacing) renameSync(outDir, old);
    try {
      renameSync(tmp, outDir);
    } catch (e) {
      if (replacing) renameSync(old, outDir);
      throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
    release();
  }
}
