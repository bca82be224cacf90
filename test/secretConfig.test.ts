// Secrets in config: plaintext values under secret keys are flagged (mandatory on prod-like stacks), a master key
// LiteLLM would refuse is refused where its value is known, and target.host carries no credentials.
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { recordNamesRefusingInvokes } from "./helpers/mockRuntime";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { masterKeyProblem } from "../components/spec/secretConfig";
import { loadPolicyConfig, policyResources, runPolicies } from "../bin/offline/policyReport";
import { parseStackFile, plaintextSecretKeys } from "../bin/offline/stackFile";
import { validateStackConfig } from "../bin/offline/validate";

const ROOT = resolve(__dirname, "..");
const layer = { target: { kind: "docker" }, models: [{ name: "chat", model: "llama-3.2-3b-instruct" }] };
const stackFile = (extra: Record<string, unknown>) =>
  parseStackFile(
    JSON.stringify({ config: { "ai-layer:layer": layer, "ai-layer:hfToken": { secure: "v1:x" }, ...extra } }),
  );
const strongKey = `sk-${"a1b2c3d4".repeat(6)}`;

const problemsOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof LayerConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
};

describe("plaintext values under secret keys", () => {
  it("the stack file reader lists the secret keys given in plain text, never their values", () => {
    const config = stackFile({
      "ai-layer:gatewayMasterKey": "sk-plain",
      "ai-layer:redisPassword": { secure: "v1:abc" },
      "ai-layer:openaiApiKey": "sk-also-plain",
    });
    expect(plaintextSecretKeys(config)).toEqual(["ai-layer:gatewayMasterKey", "ai-layer:openaiApiKey"]);
  });

  const findings = (stack: string, config = stackFile({ "ai-layer:gatewayMasterKey": "sk-plain" })) => {
    const policy = loadPolicyConfig(ROOT, stack);
    return runPolicies(policyResources(stack, [], {}, config), policy.config, policy.file).findings.filter(
      (f) => f.rule === "secret-config-encrypted",
    );
  };
  it("is an advisory finding by default and on dev", () => {
    for (const stack of ["dev", "some-test-stack"])
      expect(findings(stack)).toEqual([
        expect.objectContaining({
          level: "advisory",
          message: expect.stringContaining("ai-layer:gatewayMasterKey is set in plain text"),
        }),
      ]);
    expect(JSON.stringify(findings("dev"))).not.toContain("sk-plain");
  });
  it.each(["prod", "staging", "gpu-fleet"])("is mandatory on the prod-like stack %s", (stack) => {
    expect(findings(stack).map((f) => f.level)).toEqual(["mandatory"]);
  });
  it("secure values pass", () => {
    expect(findings("prod", stackFile({ "ai-layer:gatewayMasterKey": { secure: "v1:abc" } }))).toEqual([]);
  });
});

describe("a master key LiteLLM would refuse", () => {
  it.each(["", "   ", "sk-1234", " sk-1234 ", "plain-key-without-prefix"])("%j is refused", (key) => {
    expect(masterKeyProblem(key)).toBeDefined();
  });
  it("a strong sk- key passes", () => {
    expect(masterKeyProblem(strongKey)).toBeUndefined();
  });
  it("offline: a plaintext key is checked before anything runs; a secure one is unreadable and passes", () => {
    expect(
      problemsOf(() => validateStackConfig("dev", stackFile({ "ai-layer:gatewayMasterKey": "sk-1234" }))),
    ).toEqual([expect.stringMatching(/^ai-layer:gatewayMasterKey: .*publicly known/)]);
    expect(
      problemsOf(() => validateStackConfig("dev", stackFile({ "ai-layer:gatewayMasterKey": strongKey }))),
    ).toEqual([]);
    expect(
      problemsOf(() =>
        validateStackConfig("dev", stackFile({ "ai-layer:gatewayMasterKey": { secure: "v1:x" } })),
      ),
    ).toEqual([]);
  });
  it("in the program, where `pulumi up` has decrypted the secret, a refused key stops it before any resource", async () => {
    const records = await recordNamesRefusingInvokes("dev");
    pulumi.runtime.setAllConfig(
      {
        "ai-layer:layer": JSON.stringify(layer),
        "ai-layer:gatewayMasterKey": "sk-1234",
        "ai-layer:hfToken": "hf",
      },
      ["ai-layer:gatewayMasterKey", "ai-layer:hfToken"],
    );
    const { deployLayer } = await import("../stacks/program");
    expect(problemsOf(() => deployLayer())).toEqual([expect.stringMatching(/^ai-layer:gatewayMasterKey: /)]);
    await new Promise((r) => setTimeout(r, 50));
    expect(records).toEqual([]);
  });
});

describe("Modal proxy token parts carry Modal's prefixes (wk- id, ws- secret)", () => {
  const offline = (values: Record<string, unknown>) =>
    problemsOf(() => validateStackConfig("dev", stackFile(values)));
  it("a proxy token passes; a secure value is unreadable offline and passes", () => {
    expect(
      offline({ "ai-layer:modalProxyTokenId": "wk-abc123", "ai-layer:modalProxyTokenSecret": "ws-def456" }),
    ).toEqual([]);
    expect(offline({ "ai-layer:modalProxyTokenId": { secure: "v1:x" } })).toEqual([]);
  });
  it("an API token (ak-/as-) in their place is refused, naming the key and the fix, never the value", () => {
    const found = offline({
      "ai-layer:modalProxyTokenId": "ak-api123",
      "ai-layer:modalProxyTokenSecret": "as-api456",
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^ai-layer:modalProxyTokenId: must start with "wk-" .*looks like a Modal API token/,
      ),
      expect.stringMatching(
        /^ai-layer:modalProxyTokenSecret: must start with "ws-" .*looks like a Modal API token/,
      ),
    ]);
    expect(found.join("\n")).toContain("modal workspace proxy-tokens create");
    expect(found.join("\n")).not.toMatch(/api123|api456/);
  });
});

describe("target.host carries no credentials", () => {
  it.each([
    "ssh://me:hunter2@gpu-box",
    "tcp://user:pw@docker.example.com:2376",
    "ssh://:pw@gpu-box",
    "tcp://token@host:2376",
  ])("%s is refused", (host) => {
    expect(problemsOf(() => parseLayerSpec({ ...layer, target: { kind: "docker", host } }))).toEqual([
      expect.stringMatching(/^layer\.target\.host: .*credentials/),
    ]);
  });
  it.each([
    "ssh://me@gpu-box",
    "ssh://gpu-box:2222",
    "tcp://docker.example.com:2376",
    "unix:///var/run/docker.sock",
  ])("%s passes", (host) => {
    expect(problemsOf(() => parseLayerSpec({ ...layer, target: { kind: "docker", host } }))).toEqual([]);
  });
});
