// bin/launch.cjs (what `npm run plan` runs): its caches never serve stale code. A changed source, even of the
// same length, runs as changed; files keep their real paths (__filename), as under tsx. Slow tier: processes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LAUNCH, ROOT } from "./helpers/planCli";

const work = mkdtempSync(join(tmpdir(), "ai-layer-launch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cache = join(work, "cache");

/** Runs `file` through the launcher with the scratch cache; returns stdout. */
const launch = (file: string, ...args: string[]) =>
  execFileSync(process.execPath, [LAUNCH, file, ...args], {
    encoding: "utf8",
    env: { ...process.env, AI_LAYER_CACHE_DIR: cache },
  });

describe("node bin/launch.cjs <file.ts>", () => {
  it("runs TypeScript with the argv and __filename it would have under tsx", () => {
    const file = join(work, "args.ts");
    writeFileSync(
      file,
      "const n: number = 1;\nconsole.log(JSON.stringify([__filename, process.argv.slice(2), n]));\n",
    );
    expect(JSON.parse(launch(file, "dev", "--out", "x"))).toEqual([file, ["dev", "--out", "x"], 1]);
  });

  it("loads a required JavaScript module that starts with a hashbang, as Node's loader does", () => {
    writeFileSync(join(work, "tool.js"), "#!/usr/bin/env node\nmodule.exports = 42;\n");
    const file = join(work, "hashbang.ts");
    writeFileSync(file, 'console.log(require("./tool.js"));\n');
    expect(launch(file)).toBe("42\n");
  });

  it("defers @pulumi/pulumi's TypeScript compiler until first use, then gives the real module", () => {
    const file = join(work, "shim.ts");
    writeFileSync(
      file,
      [
        `const ts = require(${JSON.stringify(join(ROOT, "node_modules", "@pulumi", "pulumi", "typescript-shim.js"))});`,
        'const loaded = () => Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"));',
        "const before = loaded();",
        `const real = require(${JSON.stringify(join(ROOT, "node_modules", "typescript"))});`,
        "console.log(JSON.stringify([before, ts.version === real.version, typeof ts.createSourceFile, loaded()]));",
      ].join("\n"),
    );
    launch(file); // the first run transpiles shim.ts, which loads TypeScript itself
    expect(JSON.parse(launch(file))).toEqual([false, true, "function", true]);
  });

  it("a changed source runs as changed, even at the same length; an unchanged one from the cache", () => {
    const dep = join(work, "dep.ts");
    const main = join(work, "main.ts");
    writeFileSync(main, 'import { word } from "./dep";\nconsole.log(word);\n');
    writeFileSync(dep, 'export const word: string = "one";\n');
    expect(launch(main)).toBe("one\n");
    const transpiled = readdirSync(join(cache, "ts"), { recursive: true }).length;
    expect(launch(main)).toBe("one\n");
    expect(readdirSync(join(cache, "ts"), { recursive: true }).length).toBe(transpiled); // nothing new
    writeFileSync(dep, 'export const word: string = "two";\n');
    expect(launch(main)).toBe("two\n");
  });
});
