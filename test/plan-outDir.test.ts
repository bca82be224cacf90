// Where `npm run plan` may write (bin/offline/outDir.ts), in-process: never into a directory a plan did not write,
// never half a plan, never over another plan that is writing. The CLI end of it: plan-cli.out.test.ts.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutDir, lockPath, OutDirError, PLAN_MARKER, writePlanDir } from "../bin/offline/outDir";

const work = mkdtempSync(join(tmpdir(), "ai-layer-outdir-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh directory under the scratch dir holding `files`. */
function dirWith(files: Record<string, string>): string {
  const dir = join(work, `case-${n++}`, "out");
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

const PLAN = new Map([
  ["resources.json", "[]\n"],
  ["files/litellm/config.yaml", "model_list: []\n"],
  ["summary.md", "# plan\n"],
]);

function outDirError(fn: () => void): OutDirError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OutDirError) return e;
    throw e;
  }
  throw new Error("expected an OutDirError");
}

describe("checkOutDir", () => {
  it("accepts a directory that does not exist yet, an empty one, and one a plan wrote", () => {
    expect(() => checkOutDir(join(work, "new", "deeper"))).not.toThrow();
    expect(() => checkOutDir(dirWith({}))).not.toThrow();
    expect(() => checkOutDir(dirWith({ [PLAN_MARKER]: "", "resources.json": "[]" }))).not.toThrow();
    // Written before the marker existed: only the plan's own entries.
    expect(() =>
      checkOutDir(dirWith({ "resources.json": "[]", "summary.md": "", "files/x.yaml": "" })),
    ).not.toThrow();
  });

  it("refuses a non-empty directory no plan wrote, naming it", () => {
    const checkout = dirWith({ "package.json": "{}", ".git/HEAD": "ref: refs/heads/main\n" });
    const error = outDirError(() => checkOutDir(checkout));
    expect(error.message).toContain(`refusing to write the plan into ${checkout}`);
    expect(error.message).toContain(PLAN_MARKER);
    // A plan's files plus one of the user's: not a plan directory either.
    const mixed = dirWith({ "resources.json": "[]", "notes.txt": "mine" });
    expect(outDirError(() => checkOutDir(mixed)).message).toContain("refusing");
  });

  it("refuses a path that is a file, and a path under a file, naming the file", () => {
    const file = join(dirWith({ "plain.txt": "x" }), "plain.txt");
    expect(outDirError(() => checkOutDir(file)).message).toBe(
      `--out ${file} exists and is not a directory; pass a new or empty directory`,
    );
    const under = join(file, "plan", "dev");
    expect(outDirError(() => checkOutDir(under)).message).toBe(
      `--out ${under}: ${file} is a file, not a directory, so nothing can be written under it`,
    );
  });
});

describe("writePlanDir", () => {
  it("writes the plan and its marker into a new directory, leaving nothing beside it", () => {
    const parent = join(work, "fresh");
    const out = join(parent, "dev");
    writePlanDir(out, PLAN);
    expect(readFileSync(join(out, "files/litellm/config.yaml"), "utf8")).toBe("model_list: []\n");
    expect(readdirSync(out).sort()).toEqual([PLAN_MARKER, "files", "resources.json", "summary.md"]);
    expect(readdirSync(parent)).toEqual(["dev"]);
  });

  it("replaces a previous plan whole: a file the new plan lacks is gone", () => {
    const out = dirWith({ [PLAN_MARKER]: "", "resources.json": "old", "files/stale.yaml": "old" });
    writePlanDir(out, PLAN);
    expect(existsSync(join(out, "files", "stale.yaml"))).toBe(false);
    expect(readFileSync(join(out, "resources.json"), "utf8")).toBe("[]\n");
  });

  it("leaves a directory it refuses exactly as it was", () => {
    const out = dirWith({ "README.md": "keep me", "src/index.ts": "export {};" });
    expect(() => writePlanDir(out, PLAN)).toThrow(OutDirError);
    expect(readdirSync(out).sort()).toEqual(["README.md", "src"]);
    expect(readFileSync(join(out, "README.md"), "utf8")).toBe("keep me");
  });

  it("refuses while another live plan holds the lock, and keeps that plan's directory", () => {
    const out = dirWith({ [PLAN_MARKER]: "", "resources.json": "theirs" });
    writeFileSync(lockPath(out), `${process.ppid}\n`); // a live process that is not this one
    try {
      const error = outDirError(() => writePlanDir(out, PLAN));
      expect(error.message).toBe(
        `another plan (pid ${process.ppid}) is writing ${out}; run again when it has finished (lock: ${lockPath(out)})`,
      );
      expect(readFileSync(join(out, "resources.json"), "utf8")).toBe("theirs");
    } finally {
      rmSync(lockPath(out), { force: true });
    }
  });

  it("takes over the lock of a plan that died, and releases it", () => {
    const out = dirWith({});
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(lockPath(out), `${dead}\n`);
    writePlanDir(out, PLAN);
    expect(readFileSync(join(out, "resources.json"), "utf8")).toBe("[]\n");
    expect(existsSync(lockPath(out))).toBe(false);
  });
});
