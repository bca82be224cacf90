// Nothing machine-specific may enter resource inputs: the same stack planned from two checkouts at different paths
// registers byte-identical resources (else every teammate's and every CI checkout's `pulumi up` sees a diff, and for
// the command provider a replace, on an unchanged stack).
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan } from "./helpers/planCli";

const ROOT = join(__dirname, "..");
const SKIP = new Set(["node_modules", ".git", "out", "dist", ".pulumi"]);
const made: string[] = [];

/** A copy of this repository's sources at a new path (node_modules linked, not copied). */
function checkout(label: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), `ai-layer-${label}-`)), "ai-layer");
  made.push(dir);
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => !SKIP.has(src.slice(ROOT.length + 1).split("/")[0]!),
  });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** `npm run plan -- <stack> --out out` in that checkout, as a user runs it there. */
async function planFrom(dir: string, stack: string): Promise<string> {
  const r = await runPlan([stack, "--out", "out"], { root: dir });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(join(dir, "out", "resources.json"), "utf8");
}

afterAll(() => made.forEach((d) => rmSync(join(d, ".."), { recursive: true, force: true })));

describe("planning from two checkouts", () => {
  it("cloud-gpu: resources.json is byte-identical and names neither checkout path", async () => {
    const [a, b] = [checkout("alice"), checkout("ci")];
    const ra = await planFrom(a, "cloud-gpu");
    const rb = await planFrom(b, "cloud-gpu");
    expect(ra).not.toContain(a);
    expect(rb).not.toContain(b);
    expect(ra).toBe(rb);
  }, 120_000);
});
