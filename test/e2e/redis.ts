import { spawnSync } from "node:child_process";

/** Runs one redis-cli command against the test Redis (password through REDISCLI_AUTH, not argv). */
export function redisCli(port: number, password: string, args: readonly string[]): string {
  const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--no-raw", ...args], {
    encoding: "utf8",
    env: { ...process.env, REDISCLI_AUTH: password },
    timeout: 10_000,
  });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

export async function ping(port: number, password: string): Promise<boolean> {
  try {
    return redisCli(port, password, ["PING"]).includes("PONG");
  } catch {
    return false;
  }
}
