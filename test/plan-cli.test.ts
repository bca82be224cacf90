// `npm run plan` end to end: the files it writes, determinism, and that no secret reaches them in clear.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify, parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { hex } from "../bin/offline/mockOutputs";
import { SECURE_PLACEHOLDER } from "../bin/offline/stackFile";
import { ROOT, runPlan, tree } from "./helpers/planCli";

/** Runs the CLI and fails with its stderr unless it exits 0. */
async function plan(args: string[]) {
  const r = await runPlan(args);
  if (r.code !== 0) throw new Error(`plan ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return r;
}

describe("npm run plan -- dev", () => {
  const tmp = mkdtempSync(join(tmpdir(), "ai-layer-plan-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("writes resources.json, the rendered files and summary.md; two runs are byte-identical", async () => {
    const [a, b] = await Promise.all([
      plan(["dev", "--out", join(tmp, "a")]),
      plan(["dev", "--out", join(tmp, "b")]),
    ]);
    expect(a.stdout).toContain("resources");
    const ta = tree(join(tmp, "a"));
    const tb = tree(join(tmp, "b"));
    expect(Object.keys(ta).sort()).toEqual(
      expect.arrayContaining([
        "resources.json",
        "summary.md",
        "files/litellm/config.yaml",
        "files/prometheus/prometheus.yml",
        "files/redis/redis.conf",
        "files/grafana/dashboards/gateway.json",
      ]),
    );
    expect(tb).toEqual(ta);
    expect(b.stdout.replace(join(tmp, "b"), "")).toBe(a.stdout.replace(join(tmp, "a"), ""));
  }, 60_000);

  it("lists every container with its pinned image in resources.json", () => {
    const resources = JSON.parse(readFileSync(join(tmp, "a", "resources.json"), "utf8")) as {
      type: string;
      inputs: any;
    }[];
    const images = resources
      .filter((r) => r.type === "docker:index/container:Container")
      .map((r) => r.inputs.labels.find((l: any) => l.label === "ai-layer.image").value);
    expect(images.map((i: string) => i.split(":")[0]).sort()).toEqual(
      [
        "ghcr.io/berriai/litellm",
        "grafana/grafana",
        "ollama/ollama",
        "oliver006/redis_exporter",
        "prom/prometheus",
        "redis",
      ].sort(),
    );
  });

  it("summarises models, memory, endpoints and cost", () => {
    const summary = readFileSync(join(tmp, "a", "summary.md"), "utf8");
    expect(summary).toMatch(
      /\| chat \| ollama \| llama-3\.1-8b-instruct \(chat\) \| llama3\.1:8b \| int4 \| 8192 \| 6\.8 /,
    );
    expect(summary).toContain("http://127.0.0.1:4000/v1");
    expect(summary).toContain("$0.00/h");
  });

  it("keeps every secret out of resources.json, files/, summary.md and outputs", async () => {
    const stackFile = join(tmp, "Pulumi.secrets.yaml");
    const dev = parse(readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8"));
    const plainSecret = "sk-plaintext-given-under-a-secret-key";
    writeFileSync(
      stackFile,
      stringify({
        config: {
          ...dev.config,
          "ai-layer:gatewayMasterKey": plainSecret,
          "ai-layer:redisPassword": { secure: "v1:c2VjcmV0LXJlZGlz" },
        },
      }),
    );
    await plan(["secrets", "--config", stackFile, "--out", join(tmp, "s")]);
    const all = Object.values(tree(join(tmp, "s"))).join("\n");
    // The generated Grafana password as the mock made it: it must appear nowhere.
    const grafanaPw =
      `mockpw${hex("random:index/randomPassword:RandomPassword::ai-layer-grafanaAdminPassword", 40)}`.slice(
        0,
        40,
      );
    for (const secret of [plainSecret, "v1:c2VjcmV0LXJlZGlz", SECURE_PLACEHOLDER, grafanaPw]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("[secret]");
    const outputs = JSON.parse(readFileSync(join(tmp, "s", "outputs.json"), "utf8"));
    expect(outputs.gatewayMasterKey).toBe("[secret]");
  }, 60_000);
});
