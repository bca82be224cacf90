import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before the caller binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ai-layer-e2e-${prefix}-`));
}

/** Every process any test file started, so that a signal or an early exit still ends them all. */
const running = new Set<ChildProcess>();

/** Ends a process and its children: each runs in its own process group (detached), killed as a group. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => running.forEach((c) => killGroup(c, "SIGKILL")));
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      running.forEach((c) => killGroup(c, "SIGKILL"));
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  }
}

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  /** Where stdout and stderr go (shown when a start-up fails). */
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Starts `cmd` in its own process group with output to a log file in `dir`. */
export function startProcess(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { dir: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Started {
  installHandlers();
  const logFile = join(opts.dir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? opts.dir,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  running.add(child);
  child.on("exit", () => running.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, logFile, stop };
}

/** Polls `check` until it returns true (or throws the last error) within `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; process?: Started },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    if (opts.process && opts.process.child.exitCode !== null) {
      throw new Error(
        `${what}: ${opts.process.name} exited with ${opts.process.child.exitCode}; see ${opts.process.logFile}`,
      );
    }
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const log = opts.process ? `; log: ${opts.process.logFile}` : "";
      throw new Error(
        `${what}: not ready after ${opts.timeoutMs} ms (${String(last ?? "check false")})${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** Stops processes in reverse start order and removes `dir` (kept when E2E_KEEP is set, for debugging). */
export async function stopAll(processes: readonly Started[], dir?: string): Promise<void> {
  for (const p of [...processes].reverse()) await p.stop();
  if (dir && !process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
}
