import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_START_SCRIPT } from "../components/render";
import type { Plan } from "../components/plan";
import { REDIS_CONF_PATH, renderRedisConf } from "../components/render";
import { devLayerRaw, itRequiresToolInCi, planOf, requireTool, run, toolTitle } from "./helpers/tools";

const INSTALL = "apt-get install redis-server redis-tools";
const has = requireTool("redis-server") && requireTool("redis-cli");
// Spaces, quotes and `$` check that the start script passes the env var through as one word, unexpanded.
const PASSWORD = `t3st pa$$ "w'rd`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

itRequiresToolInCi("redis-server", INSTALL);
itRequiresToolInCi("redis-cli", INSTALL);

describe("the Redis password reaches the server only through the start script", () => {
  const conf = renderRedisConf(planOf(devLayerRaw()).cache);

  it("the rendered redis.conf holds no password", () => {
    expect(conf).not.toMatch(/^\s*requirepass/im);
    expect(conf).not.toMatch(/^\s*masterauth/im);
  });

  it("REDIS_START_SCRIPT starts redis-server on the uploaded conf with --requirepass from $REDIS_PASSWORD", () => {
    expect(REDIS_START_SCRIPT).toContain(`redis-server ${REDIS_CONF_PATH} `);
    expect(REDIS_START_SCRIPT).toContain('--requirepass "$REDIS_PASSWORD"');
    expect(REDIS_START_SCRIPT).toMatch(/^exec /);
  });
});

describe.skipIf(!has)(
  toolTitle("real redis-server started by the container start script", "redis-server", has, INSTALL),
  () => {
    let plan: Plan;
    let port = 0;
    let server: ChildProcess | undefined;
    let log = "";
    let dir = "";

    /** redis-cli against the test server; `auth` sends the password via REDISCLI_AUTH (not on argv). */
    const cli = (args: string[], auth = true) => {
      const env = { ...process.env };
      delete env.REDISCLI_AUTH;
      if (auth) env.REDISCLI_AUTH = PASSWORD;
      return run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { env });
    };
    const configGet = (key: string) => cli(["CONFIG", "GET", key]).stdout.split("\n");

    beforeAll(async () => {
      plan = planOf(devLayerRaw());
      port = await freePort();
      dir = mkdtempSync(join(tmpdir(), "ai-layer-redis-"));
      const confFile = join(dir, "redis.conf");
      writeFileSync(confFile, renderRedisConf(plan.cache));
      // Stand-in for the image's docker-entrypoint.sh (which ends in `exec "$@"`), adding test-only flags.
      const shim = join(dir, "docker-entrypoint.sh");
      writeFileSync(
        shim,
        '#!/bin/sh\nexec "$@" --port "$TEST_REDIS_PORT" --bind 127.0.0.1 --daemonize no --dir "$TEST_REDIS_DIR"\n',
      );
      chmodSync(shim, 0o755);
      // The real start script; only the container path of the conf is swapped for the temp file.
      const script = REDIS_START_SCRIPT.replace(REDIS_CONF_PATH, confFile);
      expect(script).not.toBe(REDIS_START_SCRIPT);
      server = spawn("/bin/sh", ["-c", script], {
        cwd: dir,
        env: {
          ...process.env,
          PATH: `${dir}${delimiter}${process.env.PATH ?? ""}`,
          REDIS_PASSWORD: PASSWORD,
          TEST_REDIS_PORT: String(port),
          TEST_REDIS_DIR: dir,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      server.stdout?.on("data", (d) => (log += String(d)));
      server.stderr?.on("data", (d) => (log += String(d)));
      for (let i = 0; i < 100; i++) {
        if (server.exitCode !== null) break;
        const r = cli(["PING"], false);
        if (r.status === 0 && /NOAUTH|PONG/.test(r.stdout + r.stderr)) return;
        await sleep(100);
      }
      throw new Error(`redis-server did not accept connections on ${port}:\n${log}`);
    });

    afterAll(async () => {
      if (server && server.exitCode === null) {
        server.kill("SIGTERM");
        await Promise.race([new Promise((r) => server!.once("exit", r)), sleep(5000)]);
        if (server.exitCode === null) server.kill("SIGKILL");
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("PING without the password is refused with NOAUTH", () => {
      const r = cli(["PING"], false);
      expect(r.stdout + r.stderr).toMatch(/NOAUTH/);
      expect(r.stdout).not.toContain("PONG");
    });

    it("PING with the password (REDISCLI_AUTH) answers PONG", () => {
      expect(cli(["PING"]).stdout.trim()).toBe("PONG");
    });

    it("PING with the password on argv (-a) answers PONG; a wrong one does not", () => {
      const base = ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning"];
      expect(run("redis-cli", [...base, "-a", PASSWORD, "PING"]).stdout.trim()).toBe("PONG");
      const wrong = run("redis-cli", [...base, "-a", "wrong", "PING"]);
      expect(wrong.stdout + wrong.stderr).not.toContain("PONG");
    });

    it("evicts least recently used keys across all keys", () => {
      expect(configGet("maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru", ""]);
    });

    it("maxmemory is cache.maxMemoryMb in bytes", () => {
      expect(plan.cache.maxMemoryMb).toBe(256);
      expect(configGet("maxmemory")).toEqual(["maxmemory", String(plan.cache.maxMemoryMb * 1024 * 1024), ""]);
    });

    it("persistence is off: no RDB snapshots, no AOF", () => {
      expect(configGet("save")).toEqual(["save", "", ""]);
      expect(configGet("appendonly")).toEqual(["appendonly", "no", ""]);
    });
  },
);
