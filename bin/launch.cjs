#!/usr/bin/env node
"use strict";
/**
 * `node bin/launch.cjs <file.ts> [args…]`: runs a TypeScript entry point of this repository with plain Node, fast.
 * What tsx does on every run is done once and kept in node_modules/.cache/ai-layer/ (git-ignored, rebuilt by any
 * fresh checkout on first use):
 * - each .ts file is transpiled with TypeScript's transpileModule (the tsconfig's emit options) and the output is
 *   reused while the source is byte-for-byte unchanged (keyed by a hash of its text);
 * - V8's code cache of every module loaded (ours and node_modules') is kept in one file and reused while each
 *   module is unchanged, so a warm run parses and compiles almost nothing;
 * - where each require() from node_modules led is kept while node_modules is unchanged (same install), so a warm
 *   run skips most of the resolver's file-system probing.
 * AI_LAYER_CACHE_DEBUG=1 prints the code cache's size and misses at exit; AI_LAYER_CACHE_DIR moves the caches.
 * No type check here: `npx tsc --noEmit -p .` (lint, CI) does that. Files keep their real paths, so __filename,
 * __dirname and stack traces name the .ts sources exactly as under tsx.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.AI_LAYER_CACHE_DIR || path.join(ROOT, "node_modules", ".cache", "ai-layer");
const TS_DIR = path.join(CACHE_DIR, "ts");
const CODE_CACHE = path.join(CACHE_DIR, `v8-${process.version}-${process.arch}.bin`);
/** Emit options of tsconfig.json that change the JavaScript; part of every transpile cache key. */
const COMPILER_OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true };
/** Bump to invalidate every transpiled file (e.g. when the transpile step changes). */
const TRANSPILE_VERSION = "1";

const sha1 = (text) => crypto.createHash("sha1").update(text).digest("hex");

/** Writes `data` to `file` through a temp file and a rename: concurrent runs never read a half-written cache. */
function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

let ts;
let typescriptVersion;
/** TypeScript's version without loading it (loading costs ~0.3 s; it is needed only on a cache miss). */
function tsVersion() {
  typescriptVersion ??= JSON.parse(
    fs.readFileSync(path.join(ROOT, "node_modules", "typescript", "package.json"), "utf8"),
  ).version;
  return typescriptVersion;
}

function transpile(source, filename) {
  const key = sha1(
    [TRANSPILE_VERSION, tsVersion(), JSON.stringify(COMPILER_OPTIONS), filename, source].join("\0"),
  );
  const cached = path.join(TS_DIR, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // Not transpiled yet.
  }
  ts ??= require(path.join(ROOT, "node_modules", "typescript"));
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    reportDiagnostics: false,
  });
  writeAtomic(cached, outputText);
  return outputText;
}

/** node_modules changes only with an install; npm rewrites node_modules/.package-lock.json on every one. */
const NODE_MODULES = path.join(ROOT, "node_modules");
function installFingerprint() {
  try {
    const st = fs.statSync(path.join(NODE_MODULES, ".package-lock.json"));
    return sha1(`${process.version}\0${st.size}\0${st.mtimeMs}`).slice(0, 16);
  } catch {
    return undefined; // Not an npm install: resolve without a cache.
  }
}
const fingerprint = installFingerprint();

// --- Resolution cache: where a require() of node_modules code led last time, while node_modules is unchanged.
// Node's resolver stats every candidate file, reads package.json scopes and resolves real paths for each of the
// ~1,800 modules a plan loads. Only what cannot change without an install is kept: requests made from inside
// node_modules, and bare package names from our files; relative requests from our files always resolve afresh.
const RESOLVE_CACHE = fingerprint && path.join(CACHE_DIR, `resolve-${fingerprint}.json`);
/** @type {Record<string, string>} */
let resolved = {};
let resolvedAdded = 0;
if (RESOLVE_CACHE) {
  try {
    resolved = JSON.parse(fs.readFileSync(RESOLVE_CACHE, "utf8"));
  } catch {
    resolved = {};
  }
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function cachedResolveFilename(request, parent, isMain, options) {
    const from = parent && parent.filename;
    if (options || !from || Module.isBuiltin(request)) return resolveFilename.apply(this, arguments);
    const inNodeModules = from.includes(`${path.sep}node_modules${path.sep}`);
    const relative = request.startsWith(".") || path.isAbsolute(request);
    if (!inNodeModules && relative) return resolveFilename.apply(this, arguments);
    const key = `${path.dirname(from)}\0${request}`;
    const hit = resolved[key];
    if (hit !== undefined && (Module._cache[hit] || fs.existsSync(hit))) return hit;
    const filename = resolveFilename.apply(this, arguments);
    resolved[key] = filename;
    resolvedAdded++;
    return filename;
  };
}

function saveResolveCache() {
  if (!RESOLVE_CACHE || resolvedAdded === 0) return;
  try {
    writeAtomic(RESOLVE_CACHE, JSON.stringify(resolved));
  } catch {
    // A read-only node_modules: run uncached.
  }
}

// --- V8 code cache: one file, entries keyed by path and a hash of the module's text (node_modules files: by the
// install fingerprint, which spares hashing 20 MB of SDK code on every run).
/**
 * `source`: an installed module's text as bytes (decoded only when that module is loaded: the file holds every
 * stack's modules, a run loads some); empty for our own files.
 * @type {Map<string, {hash: string, data: Buffer, source: Buffer}>}
 */
const codeCache = new Map();
/** Scripts compiled without a usable cache entry this run; their code cache is saved at exit. */
const fresh = new Map();

function loadCodeCache() {
  let buf;
  try {
    buf = fs.readFileSync(CODE_CACHE);
  } catch {
    return;
  }
  try {
    let o = 0;
    const str = () => {
      const n = buf.readUInt32LE(o);
      o += 4;
      const s = buf.toString("utf8", o, o + n);
      o += n;
      return s;
    };
    const count = buf.readUInt32LE(o);
    o += 4;
    for (let i = 0; i < count; i++) {
      const file = str();
      const hash = str();
      const sourceLength = buf.readUInt32LE(o);
      const source = buf.subarray(o + 4, o + 4 + sourceLength);
      o += 4 + sourceLength;
      const n = buf.readUInt32LE(o);
      o += 4;
      codeCache.set(file, { hash, source, data: buf.subarray(o, o + n) });
      o += n;
    }
  } catch {
    codeCache.clear(); // A damaged cache is only a slower run.
  }
}

function saveCodeCache() {
  if (process.env.AI_LAYER_CACHE_DEBUG)
    console.error(`code cache: ${codeCache.size} entries, ${fresh.size} compiled fresh`);
  if (fresh.size === 0) return;
  for (const [file, { hash, script, source }] of fresh) {
    try {
      codeCache.set(file, { hash, source, data: script.createCachedData() });
    } catch {
      // Not cacheable: compiled again next time.
    }
  }
  const parts = [];
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const bytes = (b) => {
    u32(b.length);
    parts.push(b);
  };
  const str = (s) => bytes(Buffer.from(s, "utf8"));
  u32(codeCache.size);
  for (const [file, { hash, source, data }] of codeCache) {
    str(file);
    str(hash);
    bytes(source);
    u32(data.length);
    parts.push(data);
  }
  try {
    writeAtomic(CODE_CACHE, Buffer.concat(parts));
  } catch {
    // A read-only node_modules: run uncached.
  }
}

function makeRequire(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Module.prototype._compile with V8's code cache: same semantics, compiled from the cache when it matches. */
Module.prototype._compile = function compileWithCache(content, filename) {
  // node_modules changes only with an install (the fingerprint); our own files are keyed by their text.
  const installed = isInstalled(filename);
  const hash = installed ? fingerprint : sha1(content);
  const entry = codeCache.get(filename);
  const cachedData = entry && entry.hash === hash ? entry.data : undefined;
  // A hashbang is valid only at the very start of a script; inside the wrapper it would not parse (Node's own
  // loader accepts it), so it becomes a comment of the same line.
  const body = content.startsWith("#!") ? `//${content.slice(2)}` : content;
  const script = new vm.Script(Module.wrap(body), {
    filename,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  // An installed module's text is kept too, so the next run need not read it (see the .js loader below).
  if (!cachedData || script.cachedDataRejected)
    fresh.set(filename, { hash, script, source: Buffer.from(installed ? content : "", "utf8") });
  const fn = script.runInThisContext({ displayErrors: true });
  return fn.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
};

const isInstalled = (filename) =>
  fingerprint !== undefined &&
  filename.startsWith(NODE_MODULES + path.sep) &&
  !filename.startsWith(CACHE_DIR);

// An installed .js module already compiled as CommonJS under this install: its text comes from the cache, which
// spares reading ~1,700 files and the package.json scope lookup Node does for each. Anything else: Node's loader.
const loadJs = Module._extensions[".js"];
Module._extensions[".js"] = function loadCachedJs(mod, filename) {
  const entry = codeCache.get(filename);
  if (entry && entry.source.length && entry.hash === fingerprint && isInstalled(filename))
    return mod._compile(entry.source.toString("utf8"), filename);
  return loadJs(mod, filename);
};

// @pulumi/pulumi requires the TypeScript compiler (9 MB) as it loads, for serializing functions (dynamic providers,
// closures), which a program on the mock runtime never does. Its shim gets the module on first use instead.
const PULUMI_TS_SHIM = path.join(NODE_MODULES, "@pulumi", "pulumi", "typescript-shim.js");
const load = Module._load;
Module._load = function loadDeferringTypeScript(request, parent, isMain) {
  if (request !== "typescript" || !parent || parent.filename !== PULUMI_TS_SHIM)
    return load.apply(this, arguments);
  let real;
  const target = () => (real ??= load.call(this, request, parent, isMain));
  return new Proxy(
    {},
    {
      get: (_, key) => target()[key],
      has: (_, key) => key in target(),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Object.getOwnPropertyDescriptor(target(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
};

Module._extensions[".ts"] = function loadTypeScript(mod, filename) {
  mod._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};

loadCodeCache();
// process.exit() runs "exit" listeners, so the cache is saved however the program ends.
process.once("exit", () => {
  saveCodeCache();
  saveResolveCache();
});

const entry = process.argv[2];
if (!entry) {
  console.error("usage: node bin/launch.cjs <file.ts> [args…]");
  process.exit(1);
}
// The entry sees the argv it would under `tsx <file.ts> args…`.
process.argv.splice(1, 2, path.resolve(entry));
require(path.resolve(entry));
