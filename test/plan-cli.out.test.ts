// `npm run plan --out` end to end (slow tier): it never deletes what it points at (`--out .` in a scratch copy of
// the checkout, never this one), refuses an --out under a file, lets concurrent plans into one directory finish
// with one whole plan, and reports a bad config without loading the program or a provider SDK.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLAN_MARKER } from "../bin/offline/outDir";
import { ROOT, runPlan, STACK_TRACE, tree } from "./helpers/planCli";

const work = mkdtempSync(join(tmpdir(), "ai-layer-plan-out-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the checkout's files (node_modules linked) with a git repository of its own. */
function scratchCheckout(): { dir: string; files: string[] } {
  const dir = join(work, "checkout");
  const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .stdout.split("\0")
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  expect(spawnSync("git", ["init", "-q"], { cwd: dir }).status).toBe(0);
  return { dir, files };
}

describe("plan --out never deletes what it points at", () => {
  let checkout: { dir: string; files: string[] };
  beforeAll(() => {
    checkout = scratchCheckout();
  });

  it("--out . in a checkout: exit 1 naming it; every file and .git are still there", async () => {
    const r = await runPlan(["dev", "--out", "."], { root: checkout.dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`refusing to write the plan into ${checkout.dir}: it is not empty`);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(join(checkout.dir, ".git", "HEAD"))).toBe(true);
    expect(checkout.files.filter((f) => !existsSync(join(checkout.dir, f)))).toEqual([]);
    expect(readdirSync(work).sort()).toEqual(["checkout"]); // no temp dir or lock beside it
  });

  it("--out under a file, and --out naming a file: exit 1 naming the file, the file unchanged", async () => {
    const file = join(work, "notes.txt");
    writeFileSync(file, "mine\n");
    const [under, onto] = await Promise.all([
      runPlan(["dev", "--out", join(file, "plan")]),
      runPlan(["dev", "--out", file]),
    ]);
    expect(under.code, under.stderr).toBe(1);
    expect(under.stderr).toContain(`${file} is a file, not a directory`);
    expect(onto.code, onto.stderr).toBe(1);
    expect(onto.stderr).toContain(`--out ${file} exists and is not a directory`);
    for (const r of [under, onto]) expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(file, "utf8")).toBe("mine\n");
  });
});

describe("concurrent plans into one --out", () => {
  it("each finishes or is refused cleanly, and the directory holds one whole plan", async () => {
    const reference = join(work, "reference");
    expect((await runPlan(["dev", "--out", reference])).code).toBe(0);
    const parent = join(work, "shared");
    const out = join(parent, "dev");
    const runs = await Promise.all([1, 2, 3].map(() => runPlan(["dev", "--out", out])));
    for (const r of runs) {
      expect([0, 1], r.stderr).toContain(r.code);
      if (r.code === 1) expect(r.stderr).toMatch(/^another plan \(pid \d+\) is writing /m);
    }
    expect(runs.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    expect(tree(out)).toEqual(tree(reference));
    expect(Object.keys(tree(out))).toContain(PLAN_MARKER);
    expect(readdirSync(parent)).toEqual(["dev"]); // no temp, old or lock entry left
  }, 120_000);
});

describe("a bad config is reported before the program loads", () => {
  /** Runs the CLI with a hook that lists every module the process loaded. */
  async function loadedModules(args: string[]) {
    const list = join(work, `loaded-${args[0]}.txt`);
    const hook = join(work, `list-modules-${args[0]}.cjs`);
    writeFileSync(
      hook,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, Object.keys(require.cache).join("\\n")));\n`,
    );
    const r = await runPlan(args, { nodeArgs: ["--require", hook] });
    if (!existsSync(list))
      throw new Error(`no module list from ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
    return { ...r, modules: readFileSync(list, "utf8").split("\n") };
  }

  it("loads no @pulumi package and not the program; a valid config loads both (control)", async () => {
    const bad = join(work, "Pulumi.bad.yaml");
    writeFileSync(bad, "config:\n  ai-layer:layer:\n    target: { kind: docker }\n    modles: []\n");
    const [rejected, accepted] = await Promise.all([
      loadedModules(["bad", "--config", bad, "--out", join(work, "bad-out")]),
      loadedModules(["dev", "--out", join(work, "good-out")]),
    ]);
    expect(rejected.code, rejected.stderr).toBe(1);
    expect(rejected.stderr).toContain('layer.modles: unknown key; did you mean "models"?');
    const heavy = (mods: string[]) =>
      mods.filter((m) => m.includes("/node_modules/@pulumi/") || m.endsWith("/stacks/program.ts"));
    expect(heavy(rejected.modules)).toEqual([]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(heavy(accepted.modules)).toEqual(
      expect.arrayContaining([
        join(ROOT, "stacks", "program.ts"),
        expect.stringContaining("/@pulumi/docker/"),
      ]),
    );
  }, 60_000);
});
