// The package as a consumer gets it: `npm pack` of a clean copy of the repository (prepack builds dist/),
// extracted into a temporary project's node_modules/ai-layer next to links to its declared dependencies.
// Examples are type-checked against it and run on Pulumi's mock runtime, so what they prove holds for the
// tarball, not for the sources.
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { mockCall, mockOutputs } from "../../bin/offline/mockOutputs";
import { maskSecrets, SECRET_MASK, type PlannedResource } from "../../bin/offline/run";

/** The repository root. */
export const ROOT = resolve(__dirname, "..", "..");
/**
 * Packed tarballs, one directory per hash of the repository's files, shared by test files and runs. In the
 * checkout (git-ignored), not in the OS temp dir: tests leave nothing there.
 */
const CACHE_DIR = join(ROOT, ".cache", "packed");
const PACK_JSON = "pack.json";
/** Longest wait for another process packing the same sources (a cold build takes ~30 s). */
const PACK_WAIT_MS = 5 * 60_000;
/** Cache entries (tarballs of older sources, consumers of crashed runs) unused this long are removed. */
const CACHE_MAX_AGE_MS = 24 * 3600_000;

/** One file in the tarball, as `npm pack --json` lists it (paths relative to the package root). */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** The tarball `npm pack` produced from the repository as it is on disk. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  readonly files: readonly PackedFile[];
}

/** A temporary project where `ai-layer` resolves to the extracted tarball (for `require`, Node and tsc). */
export interface PackedConsumer {
  readonly dir: string;
  /** node_modules/ai-layer inside `dir`: the tarball's contents. */
  readonly packageDir: string;
  readonly pack: PackedTarball;
}

/** What an example registered on the mock runtime, in registration order, and its stack outputs. */
export interface ExampleRun {
  readonly resources: PlannedResource[];
  /** Stack outputs, resolved; secret ones are "[secret]". */
  readonly outputs: Record<string, unknown>;
}

/** Stack and config for {@link runExampleOnMocks}. */
export interface ExampleRunOptions {
  readonly stack: string;
  /** Config as `pulumi config set` takes it: a bare key gets the project's namespace; objects are JSON. */
  readonly config?: Record<string, unknown>;
  /** Secret config, keyed the same way. */
  readonly secrets?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function runOrThrow(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status} in ${cwd}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The files a clone with the working tree's changes has: tracked and untracked-but-not-ignored, present. */
function repositoryFiles(): string[] {
  return runOrThrow("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    .split("\0")
    .filter((f) => f && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile())
    .sort();
}

function hashFiles(files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const f of files)
    hash
      .update(f)
      .update("\0")
      .update(readFileSync(join(ROOT, f)))
      .update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** Copies the repository's files into a fresh directory and runs `npm pack` there (its prepack builds). */
function packFreshCopy(files: readonly string[], into: string): void {
  const source = mkdtempSync(join(CACHE_DIR, "source-"));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(source, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(source, f));
    }
    // The build needs the compiler and the dependencies' types; npm pack never packs node_modules.
    symlinkSync(join(ROOT, "node_modules"), join(source, "node_modules"), "dir");
    mkdirSync(into, { recursive: true });
    const stdout = runOrThrow("npm", ["pack", "--json", "--pack-destination", into], source);
    // Lifecycle scripts (prepack → build) may print before the JSON: it is the last top-level array.
    const json = JSON.parse(stdout.slice(stdout.lastIndexOf("\n[") + 1)) as {
      name: string;
      version: string;
      filename: string;
      files: PackedFile[];
    }[];
    const [entry] = json;
    if (!entry) throw new Error(`npm pack printed no package:\n${stdout}`);
    const packed: PackedTarball = {
      name: entry.name,
      version: entry.version,
      tarball: entry.filename,
      files: entry.files.map(({ path, size }) => ({ path, size })),
    };
    writeFileSync(join(into, PACK_JSON), JSON.stringify(packed, null, 2));
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
}

/** Removes cache entries nothing has used for {@link CACHE_MAX_AGE_MS}. */
function pruneCache(): void {
  for (const entry of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > CACHE_MAX_AGE_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed or renamed it meanwhile.
    }
  }
}

/**
 * `npm pack` of the repository as it is on disk (a copy, so the working tree's dist/ is neither read nor
 * written), built once per content hash and shared by every test file and run: concurrent callers wait on a
 * lock directory for the first to finish.
 */
export async function packedTarball(): Promise<PackedTarball> {
  mkdirSync(CACHE_DIR, { recursive: true });
  pruneCache();
  const dir = join(CACHE_DIR, hashFiles(repositoryFiles()));
  const lock = `${dir}.lock`;
  const deadline = Date.now() + PACK_WAIT_MS;
  for (;;) {
    if (existsSync(join(dir, PACK_JSON))) break;
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (Date.now() > deadline) throw new Error(`waited ${PACK_WAIT_MS} ms for ${lock}; remove it if stale`);
      await sleep(250);
      continue;
    }
    const staging = `${dir}.staging-${process.pid}`;
    try {
      packFreshCopy(repositoryFiles(), staging);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(dir, now, now);
  const packed = JSON.parse(readFileSync(join(dir, PACK_JSON), "utf8")) as PackedTarball;
  return { ...packed, tarball: join(dir, packed.tarball) };
}

/** Links `name` (e.g. "@pulumi/pulumi") from the repository's node_modules into `dir`/node_modules. */
function linkDependency(dir: string, name: string): void {
  const link = join(dir, "node_modules", name);
  if (existsSync(link)) return;
  const target = join(ROOT, "node_modules", name);
  if (!existsSync(target)) throw new Error(`${name} is not installed in ${ROOT}/node_modules`);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link, "dir");
}

/** Package names a package.json lists under `fields`. */
function dependenciesOf(packageJson: string, fields: readonly string[]): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, "utf8")) as Record<string, Record<string, string>>;
  return fields.flatMap((field) => Object.keys(pkg[field] ?? {}));
}

async function createConsumer(): Promise<PackedConsumer> {
  const pack = await packedTarball();
  const dir = mkdtempSync(join(CACHE_DIR, "consumer-"));
  const packageDir = join(dir, "node_modules", "ai-layer");
  mkdirSync(packageDir, { recursive: true });
  runOrThrow("tar", ["-xzf", pack.tarball, "-C", packageDir, "--strip-components=1"], dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "ai-layer-consumer", private: true, dependencies: { "ai-layer": pack.version } }),
  );
  // Only what the tarball declares: a dependency missing from its package.json cannot load here. Links
  // resolve to the repository's real paths, so every module has one instance (Node caches by real path).
  for (const name of dependenciesOf(join(packageDir, "package.json"), ["dependencies"]))
    linkDependency(dir, name);
  return { dir, packageDir, pack };
}

let consumer: Promise<PackedConsumer> | undefined;
let resolvedConsumer: PackedConsumer | undefined;

/** The consumer project, created once per test file (process). Remove it with {@link removePackedConsumer}. */
export function packedConsumer(): Promise<PackedConsumer> {
  consumer ??= createConsumer().then((c) => (resolvedConsumer = c));
  return consumer;
}

/** Deletes the consumer project (call it in afterAll); one a crashed run left is pruned after a day. */
export async function removePackedConsumer(): Promise<void> {
  const c = await consumer;
  consumer = resolvedConsumer = undefined;
  if (c) rmSync(c.dir, { recursive: true, force: true });
}

function requireConsumer(): PackedConsumer {
  if (!resolvedConsumer) throw new Error("await packedConsumer() (e.g. in beforeAll) first");
  return resolvedConsumer;
}

let copies = 0;

/**
 * Copies an example into the consumer project (examples/<name>-<n>), so `ai-layer` resolves to the tarball,
 * and links the example's own dependencies. With `edit`, replaces `find` by `replace` in one file of the copy
 * (it must occur), e.g. to make a deliberately broken variant.
 */
export function copyExample(
  exampleDir: string,
  edit?: { readonly file: string; readonly find: string; readonly replace: string },
): string {
  const c = requireConsumer();
  const dir = join(c.dir, "examples", `${basename(exampleDir)}-${++copies}`);
  cpSync(exampleDir, dir, {
    recursive: true,
    filter: (src) => !["node_modules", "package-lock.json"].includes(basename(src)),
  });
  for (const name of dependenciesOf(join(dir, "package.json"), ["dependencies", "devDependencies"]))
    if (name !== c.pack.name) linkDependency(c.dir, name);
  if (edit) {
    const path = join(dir, edit.file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(edit.find)) throw new Error(`${edit.file} has no ${JSON.stringify(edit.find)}`);
    writeFileSync(path, text.replace(edit.find, edit.replace));
  }
  return dir;
}

/**
 * Runs `tsc --noEmit` on the example (or a {@link copyExample} copy) inside the consumer project, with the
 * example's own tsconfig.json, which must be strict and map no paths: as an outside team would compile it.
 */
export function typecheckExample(exampleDir: string): { ok: boolean; output: string } {
  const c = requireConsumer();
  const dir = exampleDir.startsWith(c.dir) ? exampleDir : copyExample(exampleDir);
  const tsconfig = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")) as Record<string, any>;
  const options = (tsconfig.compilerOptions ?? {}) as Record<string, unknown>;
  if ("extends" in tsconfig) throw new Error(`${exampleDir}/tsconfig.json must stand alone (no extends)`);
  for (const key of ["paths", "baseUrl", "typeRoots", "rootDirs"])
    if (key in options) throw new Error(`${exampleDir}/tsconfig.json sets ${key}; a consumer would not`);
  if (options.strict !== true) throw new Error(`${exampleDir}/tsconfig.json must set "strict": true`);
  const tsc = join(c.dir, "node_modules", "typescript", "bin", "tsc");
  const r = run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit", "--pretty", "false"], dir);
  return { ok: r.status === 0, output: r.output };
}

/** The module the tarball's code loads for `name`, required the way Node resolves it from the package. */
export function requireFromPackage(name: string): unknown {
  return createRequire(join(requireConsumer().packageDir, "package.json"))(name);
}

/** Config as the runtime stores it: `project:key` → string (objects JSON-encoded). */
function runtimeConfig(project: string, values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key.includes(":") ? key : `${project}:${key}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** A program's exports as stack outputs: named exports, or the `export =` value vitest calls `default`. */
function programOutputs(mod: Record<string, unknown>): Record<string, unknown> {
  const { default: whole, ...named } = mod;
  return Object.keys(named).length ? named : ((whole ?? {}) as Record<string, unknown>);
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([k, v]) => {
      const o: pulumi.Output<unknown> = pulumi.output(v as pulumi.Input<unknown>);
      if (await pulumi.isSecret(o)) return [k, SECRET_MASK] as const;
      return [k, maskSecrets(await new Promise((r) => o.apply(r)))] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Runs the example's program (Pulumi.yaml `main`, default index.ts) from a copy inside the consumer project on
 * Pulumi's mock runtime with the realistic mocks of the offline plan (bin/offline/mockOutputs.ts), and records
 * every resource in registration order with its parent and inputs (secrets masked), as resources.json does.
 * The example, the tarball's code and this helper share one @pulumi/pulumi; it throws if they do not.
 */
export async function runExampleOnMocks(exampleDir: string, opts: ExampleRunOptions): Promise<ExampleRun> {
  const dir = copyExample(exampleDir);
  const project = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as { name: string; main?: string };
  if ((requireFromPackage("@pulumi/pulumi") as typeof pulumi).runtime !== pulumi.runtime)
    throw new Error("the packed package loads another @pulumi/pulumi than the mocks are set on");

  const order: { key: string; type: string; name: string; parent: string | null }[] = [];
  const inputs = new Map<string, unknown>();
  const keyOf = (type: string, name: string) => `${type}::${name}`;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const key = keyOf(args.type, args.name);
        if (inputs.has(key)) throw new Error(`two resources share the name ${args.name} (${args.type})`);
        inputs.set(key, args.inputs);
        return mockOutputs(args);
      },
      call: mockCall,
    },
    project.name,
    opts.stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    runtimeConfig(project.name, { ...opts.config, ...opts.secrets }),
    Object.keys(runtimeConfig(project.name, opts.secrets ?? {})),
  );
  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((a) => {
      const parent = a.opts.parent ? pulumi.resourceName(a.opts.parent) : null;
      order.push({ key: keyOf(a.type, a.name), type: a.type, name: a.name, parent });
      return undefined;
    });
    exported = programOutputs(await import(join(dir, project.main ?? "index.ts")));
    return exported;
  });
  const outputs = await resolveOutputs(exported);
  await pulumi.runtime.disconnect();
  const rootName = `${project.name}-${opts.stack}`;
  return {
    resources: order.map(({ key, type, name, parent }) => ({
      type,
      name,
      parent: parent === rootName ? null : parent,
      inputs: maskSecrets(inputs.get(key) ?? {}),
    })),
    outputs,
  };
}
