// Runs the plan CLI as `npm run plan` does (node bin/launch.cjs bin/plan.ts …) and reads what it wrote.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..");
export const LAUNCH = join(ROOT, "bin", "launch.cjs");

export interface CliResult {
  /** Exit code; null when killed (e.g. by the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run plan -- …args` of the checkout at `root` (default this one), in `cwd` (default `root`). */
export function runPlan(
  args: readonly string[],
  opts: { root?: string; cwd?: string; nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const root = opts.root ?? ROOT;
  const argv = [
    ...(opts.nodeArgs ?? []),
    join(root, "bin", "launch.cjs"),
    join(root, "bin", "plan.ts"),
    ...args,
  ];
  return new Promise((done) => {
    execFile(
      process.execPath,
      argv,
      { cwd: opts.cwd ?? root, timeout: 60_000, env: opts.env ?? process.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Every file under `dir` (relative path → content). */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** A stack trace line, which a clean CLI error never prints. */
export const STACK_TRACE = /^\s+at /m;
