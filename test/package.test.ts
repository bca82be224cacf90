// The tarball `npm pack` makes from the repository: only what a consumer needs, a dist/ prepack built with
// declarations, and an exports map that loads in plain Node and type-checks for a consumer that has none of
// this repository's tsconfig (in particular no `paths` mapping for the Grafana Foundation SDK).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedConsumer, removePackedConsumer, ROOT, type PackedConsumer } from "./helpers/packedPackage";

const PACK_TIMEOUT = 300_000;
const TSC_TIMEOUT = 120_000;
/** Names the README and the examples import; the entry must export each. */
const PUBLIC_NAMES = [
  "parseLayerSpec",
  "plan",
  "renderLiteLlmConfig",
  "renderGatewayDashboard",
  "DockerLayer",
  "KubernetesLayer",
  "AwsEksCluster",
];
const REQUIRED_FILES = [
  "package.json",
  "README.md",
  "LICENSE",
  "CHANGELOG.md",
  "dist/index.js",
  "dist/index.d.ts",
];
const ALLOWED_FILE = /^(dist\/[\w/.-]+\.(js|d\.ts)|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;

let consumer: PackedConsumer;
let packed: string[];
beforeAll(async () => {
  consumer = await packedConsumer();
  packed = consumer.pack.files.map((f) => f.path).sort();
}, PACK_TIMEOUT);
afterAll(removePackedConsumer);

const readPackageJson = () =>
  JSON.parse(readFileSync(join(consumer.packageDir, "package.json"), "utf8")) as Record<string, any>;

describe("npm pack", () => {
  it("packs dist/, README.md, LICENSE, CHANGELOG.md and package.json, and nothing else", () => {
    for (const file of REQUIRED_FILES) expect(packed).toContain(file);
    expect(packed.filter((p) => !ALLOWED_FILE.test(p))).toEqual([]);
    for (const dir of ["test/", "stacks/", "bin/", "out/", "examples/", "policies/", "components/", "bench/"])
      expect(packed.filter((p) => p.startsWith(dir))).toEqual([]);
  });

  it("has a .js and a .d.ts in dist/ for every module under components/", () => {
    const sources = spawnSync(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "components"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .stdout.split("\n")
      .filter((f) => f.endsWith(".ts"));
    expect(sources).toContain("components/index.ts");
    const missing = sources.flatMap((src) => {
      const base = `dist/${src.slice("components/".length, -".ts".length)}`;
      return [`${base}.js`, `${base}.d.ts`].filter((f) => !packed.includes(f));
    });
    expect(missing).toEqual([]);
  });

  it("points main, types and every exports condition at files in the tarball", () => {
    const pkg = readPackageJson();
    const entry = pkg.exports["."];
    expect(Object.keys(entry)).toEqual(["types", "require", "default"]);
    const targets = [pkg.main, pkg.types, entry.types, entry.require, entry.default];
    for (const target of targets) expect(packed).toContain(String(target).replace(/^\.\//, ""));
    expect(pkg.exports["./package.json"]).toBe("./package.json");
  });

  it("versions with semver and has a CHANGELOG entry for the version, under an Unreleased section", () => {
    const { version } = readPackageJson();
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    const changelog = readFileSync(join(consumer.packageDir, "CHANGELOG.md"), "utf8");
    const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)];
    expect(headings[0]?.[1]).toBe("Unreleased");
    const entry = headings.find((h) => h[1] === version);
    expect(entry, `a "## [${version}] - YYYY-MM-DD" heading`).toBeDefined();
    expect(entry![2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("ships the Apache License 2.0 that package.json names", () => {
    expect(readPackageJson().license).toBe("Apache-2.0");
    const license = readFileSync(join(consumer.packageDir, "LICENSE"), "utf8");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(license).toContain("Copyright 2026 The ai-layer authors");
  });
});

describe("the packed package in plain Node", () => {
  it("loads through the exports map, exports the public API and refuses deep imports", () => {
    const script = `
      const api = require("ai-layer");
      const spec = api.parseLayerSpec({
        target: { kind: "docker" },
        models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
      });
      const plan = api.plan(spec, { stack: "dev" });
      let deep;
      try { require.resolve("ai-layer/dist/index.js"); } catch (e) { deep = e.code; }
      console.log(JSON.stringify({
        resolved: require.resolve("ai-layer"),
        version: require("ai-layer/package.json").version,
        kinds: Object.fromEntries(${JSON.stringify(PUBLIC_NAMES)}.map((n) => [n, typeof api[n]])),
        models: plan.models.map((m) => m.name + ":" + m.runtime),
        dashboard: JSON.parse(api.renderGatewayDashboard(plan)).title,
        deep,
      }));`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: consumer.dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.resolved).toBe(join(consumer.packageDir, "dist", "index.js"));
    expect(out.version).toBe(consumer.pack.version);
    expect(out.kinds).toEqual(Object.fromEntries(PUBLIC_NAMES.map((n) => [n, "function"])));
    expect(out.models).toEqual(["chat:ollama"]);
    // The dashboard is built with @grafana/grafana-foundation-sdk, loaded here through its own exports map.
    expect(out.dashboard).toBe("ai-layer / Gateway");
    expect(out.deep).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  it("runs the Runpod endpoint command from dist/ with node (the package ships no TypeScript and no tsx)", () => {
    const script = join(consumer.packageDir, "dist", "runpod", "endpointCommand.js");
    const bad = spawnSync("node", [script, "create"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(bad.stderr).toContain("runpod-endpoint: RUNPOD_API_KEY is not set");
    expect(bad.status).toBe(1);
    // The command line the component gives the command provider, as the packed code builds it.
    const line = spawnSync(
      process.execPath,
      ["-e", `console.log(require(${JSON.stringify(script)}).runpodCommandLine())`],
      { encoding: "utf8" },
    );
    // Relative to the project directory (where the command provider runs it): the same on every machine.
    expect(line.stdout.trim()).toBe("node node_modules/ai-layer/dist/runpod/endpointCommand.js");
    const fromProject = spawnSync("sh", ["-c", `${line.stdout.trim()} create`], {
      cwd: consumer.dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(fromProject.stderr).toContain("runpod-endpoint: RUNPOD_API_KEY is not set");
  });
});

/** Every module specifier a declaration file imports (import/export from, import("…") types, references). */
function importedModules(dts: string): string[] {
  const info = ts.preProcessFile(dts, true, true);
  const dynamic = [...dts.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]!);
  return [...new Set([...info.importedFiles.map((f) => f.fileName), ...dynamic])];
}

describe("the packed declarations for a TypeScript consumer without paths mappings", () => {
  const RESOLUTIONS = [
    { name: "node10", module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
    { name: "node16", module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  ];

  it.each(RESOLUTIONS)("resolve every module they import ($name)", ({ module, moduleResolution }) => {
    const declarations = packed.filter((p) => p.endsWith(".d.ts"));
    expect(declarations.length).toBeGreaterThan(10);
    const unresolved = declarations.flatMap((file) => {
      const path = join(consumer.packageDir, file);
      return importedModules(readFileSync(path, "utf8"))
        .filter(
          (spec) => !ts.resolveModuleName(spec, path, { module, moduleResolution }, ts.sys).resolvedModule,
        )
        .map((spec) => `${file}: ${spec}`);
    });
    expect(unresolved).toEqual([]);
  });

  // node10 as Pulumi's template compiles (every declaration checked: no skipLibCheck); node16 reads the exports
  // map's "types" condition. esModuleInterop: zod 4's locale declarations need it (colinhacks/zod#5160).
  const CONSUMERS = [
    {
      name: "node10",
      compilerOptions: { module: "commonjs", moduleResolution: "node10", skipLibCheck: false },
    },
    { name: "node16", compilerOptions: { module: "node16", moduleResolution: "node16", skipLibCheck: true } },
  ];

  it.each(CONSUMERS)(
    "compile a strict program that uses the public API ($name)",
    ({ name, compilerOptions }) => {
      const file = `uses-api-${name}.ts`;
      writeFileSync(
        join(consumer.dir, file),
        `import { DockerLayer, parseLayerSpec, plan, type Plan } from "ai-layer";
const layerPlan: Plan = plan(parseLayerSpec({ target: { kind: "docker" }, models: [{ name: "chat", model: "llama-3.2-3b-instruct" }] }), { stack: "dev" });
export const names: string[] = layerPlan.models.map((m) => m.name);
// @ts-expect-error DockerLayer takes a plan, not a spec: an unused directive fails the check if the types are any
export const wrong = new DockerLayer("gateway", { spec: {} });
`,
      );
      const tsconfig = `tsconfig.${name}.json`;
      writeFileSync(
        join(consumer.dir, tsconfig),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: "ES2022",
            lib: ["ES2022"],
            types: ["node"],
            esModuleInterop: true,
            noEmit: true,
            ...compilerOptions,
          },
          files: [file],
        }),
      );
      const tsc = join(consumer.dir, "node_modules", "typescript", "bin", "tsc");
      const r = spawnSync(process.execPath, [tsc, "-p", tsconfig, "--pretty", "false"], {
        cwd: consumer.dir,
        encoding: "utf8",
      });
      expect(`${r.stdout}${r.stderr}`).toBe("");
      expect(r.status).toBe(0);
    },
    TSC_TIMEOUT,
  );
});
