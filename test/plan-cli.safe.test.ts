// `npm run plan` on inputs that used to crash (exit 3, stack trace) or pass: exit 1 with a path-named problem.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const work = mkdtempSync(join(tmpdir(), "ai-layer-plan-safe-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runPlan(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, ["bin/plan.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (error, _stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr });
    });
  });
}

const prodWith = (edit: (text: string) => string) => {
  const file = join(work, `Pulumi.case-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, edit(readFileSync(join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8")));
  return file;
};

describe("npm run plan: no crash, no silent acceptance", () => {
  it("a vpcCidr with host bits set, and a stack name Kubernetes refuses as a label value: exit 1, path named", async () => {
    const hostBits = prodWith((t) =>
      t.replace(
        "region: us-east-1\n      publicAccessCidrs",
        "region: us-east-1\n      vpcCidr: 10.40.0.1/16\n      publicAccessCidrs",
      ),
    );
    const [vpc, stack] = await Promise.all([
      runPlan(["prod", "--config", hostBits, "--out", join(work, "vpc-out")]),
      runPlan([
        "_prod",
        "--config",
        join(ROOT, "stacks", "Pulumi.prod.yaml"),
        "--out",
        join(work, "stack-out"),
      ]),
    ]);
    expect(vpc.code, vpc.stderr).toBe(1);
    expect(vpc.stderr).toContain(
      'layer.target.vpcCidr: "10.40.0.1/16" has host bits set; the network is 10.40.0.0/16',
    );
    expect(vpc.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(work, "vpc-out"))).toBe(false);
    expect(stack.code, stack.stderr).toBe(1);
    expect(stack.stderr).toMatch(/stack: "_prod" cannot be the value of the ai-layer\.dev\/stack label/);
    expect(existsSync(join(work, "stack-out"))).toBe(false);
  }, 120_000);

  it("a plaintext master key: advisory on dev, a mandatory violation (exit 2) on prod; sk-1234 is refused (exit 1)", async () => {
    const plain = (stack: string, key: string) => {
      const file = join(work, `Pulumi.plain-${stack}-${key.length}.yaml`);
      const text = readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
      writeFileSync(file, text.replace(/^config:\n/m, `config:\n  ai-layer:gatewayMasterKey: ${key}\n`));
      return file;
    };
    const [dev, prod, known] = await Promise.all([
      runPlan(["dev", "--config", plain("dev", "sk-plain"), "--out", join(work, "plain-dev")]),
      runPlan(["prod", "--config", plain("prod", "sk-plain"), "--out", join(work, "plain-prod")]),
      runPlan(["dev", "--config", plain("dev", "sk-1234"), "--out", join(work, "known")]),
    ]);
    expect(dev.code, dev.stderr).toBe(0);
    expect(prod.code, prod.stderr).toBe(2);
    expect(prod.stderr).toContain("rules: secret-config-encrypted");
    const report = readFileSync(join(work, "plain-prod", "summary.md"), "utf8");
    expect(report).toContain("ai-layer:gatewayMasterKey is set in plain text");
    expect(report).not.toContain("sk-plain");
    expect(known.code, known.stderr).toBe(1);
    expect(known.stderr).toContain("ai-layer:gatewayMasterKey: is the publicly known example key");
    expect(existsSync(join(work, "known"))).toBe(false);
  }, 120_000);
});
