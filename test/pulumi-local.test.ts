import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_PASSPHRASE, nextSteps, pulumiCommands } from "../bin/pulumi-local";
import { readStackFile } from "../bin/offline/stackFile";
import { validateStackConfig } from "../bin/offline/validate";

const ROOT = join(__dirname, "..");
const hasPulumi = !spawnSync("pulumi", ["version"], { stdio: "ignore" }).error;
const hasDocker = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;

describe("npm run up/preview/down", () => {
  it("uses a file backend under .pulumi/ and the dev passphrase only when none is set", () => {
    const cmd = pulumiCommands("up", "dev", ["--yes"], { PATH: "/bin" });
    expect(cmd.env.PULUMI_BACKEND_URL).toBe(`file://${join(ROOT, ".pulumi")}`);
    expect(cmd.env.PULUMI_CONFIG_PASSPHRASE).toBe(DEV_PASSPHRASE);
    expect(cmd.steps).toEqual([
      ["stack", "select", "--create", "dev", "--secrets-provider", "passphrase"],
      ["up", "--stack", "dev", "--yes"],
    ]);
    const own = pulumiCommands("destroy", "dev", [], {
      PULUMI_CONFIG_PASSPHRASE_FILE: "/run/pp",
      PULUMI_BACKEND_URL: "s3://b",
    });
    expect(own.env.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(own.env.PULUMI_BACKEND_URL).toBe("s3://b");
    expect(own.steps[1]).toEqual(["destroy", "--stack", "dev"]);
  });

  it("up ends with the gateway URL, how to read the key, and the smoke command", () => {
    const plan = validateStackConfig("dev", readStackFile(join(ROOT, "stacks", "Pulumi.dev.yaml")));
    const text = nextSteps(plan, "file:///repo/.pulumi");
    expect(text).toContain(
      "Gateway (OpenAI base URL): http://127.0.0.1:4000/v1 — models: chat, chat-small, embed",
    );
    expect(text).toContain(
      "Key:   PULUMI_BACKEND_URL=file:///repo/.pulumi pulumi stack output gatewayMasterKey --show-secrets -s dev",
    );
    expect(text).toContain("Check: npm run smoke -- dev");
    // With the dev default passphrase the printed command must carry it, or pulumi cannot decrypt the key.
    expect(nextSteps(plan, "file:///repo/.pulumi", true)).toContain(
      `PULUMI_BACKEND_URL=file:///repo/.pulumi PULUMI_CONFIG_PASSPHRASE=${DEV_PASSPHRASE} pulumi stack output gatewayMasterKey`,
    );
    expect(text).toContain("Grafana: http://127.0.0.1:3000");
  });

  it("rejects a bad config before calling pulumi", () => {
    // `npm run up` runs tsx on the script; tsx's loader (not its CLI, which leaves an IPC dir in the OS temp dir),
    // without its compile cache: tests leave nothing there.
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "bin", "pulumi-local.ts"), "up", "nosuchstack"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, TSX_DISABLE_CACHE: "1" },
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no stack config");
  });

  // The real engine: needs the Pulumi CLI (downloads the docker and random plugins on first use) and a Docker
  // engine. Neither exists on CI machines here, so this runs on developer machines that have both.
  describe.skipIf(!hasPulumi || !hasDocker)(
    `pulumi preview of the dev stack on a real engine${hasPulumi ? "" : " (skipped: pulumi CLI not installed)"}${hasDocker ? "" : " (skipped: no Docker engine)"}`,
    () => {
      it("previews without errors", () => {
        const state = mkdtempSync(join(tmpdir(), "ai-layer-state-"));
        try {
          const r = spawnSync(
            process.execPath,
            ["--import", "tsx", join(ROOT, "bin", "pulumi-local.ts"), "preview", "dev"],
            {
              cwd: ROOT,
              encoding: "utf8",
              env: { ...process.env, TSX_DISABLE_CACHE: "1", PULUMI_BACKEND_URL: `file://${state}` },
              timeout: 600_000,
            },
          );
          expect(r.status, r.stdout + r.stderr).toBe(0);
        } finally {
          rmSync(state, { recursive: true, force: true });
        }
      }, 600_000);
    },
  );
});
