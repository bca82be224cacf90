// The policy rules for secrets, AWS resources and the stack, plus the per-stack config resolution.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicyConfig } from "../bin/offline/policyReport";
import { AWS_GPU_INSTANCES } from "../components/catalog/awsInstances";
import { GPUS } from "../components/catalog/gpus";
import { CATALOG_AWS_GPUS, CATALOG_GPU_INSTANCE_TYPES } from "../policies/rules/aws";
import { evaluate, PolicyConfigError, resolveRules, RULES, type StackResource } from "../policies/rules";
import { isSecretName } from "../policies/rules/secrets";

const check = (name: string, type: string, props: Record<string, any>, config = {}, extra = {}) => {
  const r = RULES.find((x) => x.name === name)!;
  if (r.kind !== "resource") throw new Error(name);
  return r.check(type, props, {
    config: { ...(r.defaults as object), ...config },
    name: "r",
    secretsMasked: true,
    ...extra,
  });
};
const stackCheck = (name: string, resources: StackResource[], config = {}) => {
  const r = RULES.find((x) => x.name === name)!;
  if (r.kind !== "stack") throw new Error(name);
  return r.check(resources, { config: { ...(r.defaults as object), ...config }, secretsMasked: true });
};
const INSTANCE = "aws:ec2/instance:Instance";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const env = (vars: Record<string, any>[]) => ({
  spec: { template: { spec: { containers: [{ name: "app", image: "a:1", env: vars }] } } },
});

describe("no-plaintext-secrets", () => {
  const D = "kubernetes:apps/v1:Deployment";
  it("Kubernetes env: secretKeyRef passes; literal or masked secret values do not", () => {
    const ref = { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } };
    expect(check("no-plaintext-secrets", D, env([ref, { name: "LITELLM_LOG", value: "INFO" }]))).toEqual([]);
    expect(
      check("no-plaintext-secrets", D, env([{ name: "REDIS_PASSWORD", value: "hunter2" }])),
    ).toHaveLength(1);
    expect(check("no-plaintext-secrets", D, env([{ name: "HF_HOME", value: "[secret]" }]))).toHaveLength(1);
    expect(
      check("no-plaintext-secrets", D, env([{ name: "X", value: `hf_${"a".repeat(34)}` }]))[0],
    ).toContain("Hugging Face");
    expect(
      check("no-plaintext-secrets", D, env([{ name: "TOKEN", value: "t" }]), { allowNames: ["TOKEN"] }),
    ).toEqual([]);
  });
  it("judges names per word", () => {
    for (const n of ["GATEWAY_MASTER_KEY", "REDIS_PASSWORD", "HF_TOKEN", "clientSecret", "api_key"])
      expect(isSecretName(n)).toBe(true);
    for (const n of ["max_input_tokens", "TOKENIZER_MODE", "credentials_file", "HF_TOKEN_PATH", "KEY_ID"])
      expect(isSecretName(n)).toBe(false);
  });
  it("ConfigMaps: os.environ references pass; literal credentials and key patterns do not", () => {
    const cm = (data: Record<string, string>) => ({ data });
    const T = "kubernetes:core/v1:ConfigMap";
    const ok = "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n  max_input_tokens: 8192\n";
    expect(check("no-plaintext-secrets", T, cm({ "config.yaml": ok }))).toEqual([]);
    expect(
      check("no-plaintext-secrets", T, cm({ "config.yaml": "general_settings:\n  master_key: abc123\n" })),
    ).toHaveLength(1);
    expect(check("no-plaintext-secrets", T, cm({ "redis.conf": "requirepass s3cret\n" }))).toHaveLength(1);
    expect(check("no-plaintext-secrets", T, cm({ "x.txt": `key AKIA${"A".repeat(16)}` }))).toHaveLength(1);
    expect(check("no-plaintext-secrets", T, cm({ API_KEY: "abc" }))).toHaveLength(1);
  });
  it("Docker: masked env lists pass, plain credentials do not; uploads and labels are scanned", () => {
    const C = "docker:index/container:Container";
    expect(check("no-plaintext-secrets", C, { envs: "[secret]" })).toEqual([]);
    expect(check("no-plaintext-secrets", C, { envs: ["OLLAMA_HOST=0.0.0.0:11434"] })).toEqual([]);
    expect(check("no-plaintext-secrets", C, { envs: ["LITELLM_MASTER_KEY=sk-1234"] })).toHaveLength(1);
    // In the pack secrets arrive unmasked: a generated key would look literal, so env lists are left to `plan`.
    expect(
      check(
        "no-plaintext-secrets",
        C,
        { envs: ["LITELLM_MASTER_KEY=sk-1234"] },
        {},
        { secretsMasked: false },
      ),
    ).toEqual([]);
    expect(
      check("no-plaintext-secrets", C, { uploads: [{ file: "/c.yaml", content: "password: x1\n" }] }),
    ).toHaveLength(1);
    expect(check("no-plaintext-secrets", C, { labels: [{ label: "k", value: "[secret]" }] })).toHaveLength(1);
  });
  it("EC2 user data (plain or base64 in launch templates)", () => {
    const script = `#!/bin/sh\nexport HF_TOKEN=hf_${"b".repeat(34)}\n`;
    expect(check("no-plaintext-secrets", INSTANCE, { userData: script }).length).toBeGreaterThan(0);
    expect(
      check("no-plaintext-secrets", LT, { userData: Buffer.from(script).toString("base64") }).length,
    ).toBeGreaterThan(0);
    const good = "#!/bin/sh\nexport HF_TOKEN=$(aws ssm get-parameter --name /hf --with-decryption)\n";
    expect(check("no-plaintext-secrets", LT, { userData: Buffer.from(good).toString("base64") })).toEqual([]);
  });
});

describe("AWS rules (fixture resources, compared by type string)", () => {
  it("gpu-instance-allowlist: defaults to the catalog's instance types; non-GPU types pass", () => {
    expect(CATALOG_GPU_INSTANCE_TYPES).toEqual(AWS_GPU_INSTANCES.map((i) => i.instanceType));
    expect(CATALOG_AWS_GPUS).toEqual(
      Object.fromEntries(GPUS.flatMap((g) => (g.aws ? [[g.id, g.aws.instanceType]] : []))),
    );
    expect(check("gpu-instance-allowlist", INSTANCE, { instanceType: "g6.xlarge" })).toEqual([]);
    expect(check("gpu-instance-allowlist", INSTANCE, { instanceType: "m6i.large" })).toEqual([]);
    expect(check("gpu-instance-allowlist", LT, { instanceType: "p4de.24xlarge" })).toHaveLength(1);
    const ng = { instanceTypes: ["g6.xlarge", "g6.24xlarge"] };
    expect(check("gpu-instance-allowlist", "aws:eks/nodeGroup:NodeGroup", ng)).toHaveLength(1);
    expect(
      check("gpu-instance-allowlist", "aws:eks/nodeGroup:NodeGroup", ng, {
        allowedInstanceTypes: ng.instanceTypes,
      }),
    ).toEqual([]);
  });
  it("ebs-encrypted", () => {
    expect(check("ebs-encrypted", "aws:ebs/volume:Volume", { encrypted: true })).toEqual([]);
    expect(check("ebs-encrypted", "aws:ebs/volume:Volume", {})).toHaveLength(1);
    const bdm = (encrypted?: string) => ({
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 200, encrypted } }],
    });
    expect(check("ebs-encrypted", LT, bdm("true"))).toEqual([]);
    expect(check("ebs-encrypted", LT, bdm())).toHaveLength(1);
    expect(check("ebs-encrypted", INSTANCE, { rootBlockDevice: { volumeSize: 100 } })).toHaveLength(1);
  });
  it("elasticache-encrypted", () => {
    const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
    expect(
      check("elasticache-encrypted", RG, { atRestEncryptionEnabled: true, transitEncryptionEnabled: true }),
    ).toEqual([]);
    expect(check("elasticache-encrypted", RG, { atRestEncryptionEnabled: true })).toHaveLength(1);
    expect(check("elasticache-encrypted", RG, {})).toHaveLength(2);
    expect(
      check("elasticache-encrypted", "aws:elasticache/cluster:Cluster", { engine: "redis" }),
    ).toHaveLength(1);
  });
  it("imdsv2-required", () => {
    expect(check("imdsv2-required", INSTANCE, { metadataOptions: { httpTokens: "required" } })).toEqual([]);
    expect(check("imdsv2-required", LT, { metadataOptions: { httpTokens: "optional" } })).toHaveLength(1);
    expect(check("imdsv2-required", INSTANCE, {})).toHaveLength(1);
  });
  it("required-tags: on the resource or the AWS provider's defaultTags", () => {
    const tags = { owner: "ml", environment: "prod", "cost-center": "42" };
    expect(check("required-tags", "aws:ec2/vpc:Vpc", { tags })).toEqual([]);
    expect(check("required-tags", "aws:ec2/vpc:Vpc", { tags: { owner: "ml" } })).toEqual([
      "missing tags: environment, cost-center",
    ]);
    expect(check("required-tags", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {})).toEqual([]);
    const provider = { type: "pulumi:providers:aws", props: { defaultTags: JSON.stringify({ tags }) } };
    expect(check("required-tags", "aws:ec2/vpc:Vpc", {}, {}, { provider })).toEqual([]);
    expect(check("required-tags", "kubernetes:core/v1:Service", {})).toEqual([]);
  });
});

describe("stack rules", () => {
  const stack = (props: Record<string, any>): StackResource => ({
    type: "pulumi:pulumi:Stack",
    name: "s",
    props,
  });
  it("monthly-cost-within-budget: the stack output against budgetUsd and the layer budget", () => {
    expect(
      stackCheck("monthly-cost-within-budget", [stack({ costPerMonthMaxUsd: 4112 })], { budgetUsd: 5000 }),
    ).toEqual([]);
    expect(
      stackCheck("monthly-cost-within-budget", [stack({ costPerMonthMaxUsd: 4112 })], { budgetUsd: 3000 }),
    ).toHaveLength(1);
    expect(
      stackCheck("monthly-cost-within-budget", [stack({ costPerMonthMaxUsd: 4112, budgetMonthlyUsd: 4000 })]),
    ).toHaveLength(1);
    expect(stackCheck("monthly-cost-within-budget", [stack({ costPerMonthMaxUsd: 4112 })])).toEqual([]);
  });
  it("s3-encrypted: a bucket needs an SSE configuration naming it", () => {
    const bucket: StackResource = {
      type: "aws:s3/bucket:Bucket",
      name: "weights",
      props: { bucket: "weights-123" },
    };
    const sse: StackResource = {
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      name: "weights-sse",
      props: {
        bucket: "weights-123",
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
      },
    };
    expect(stackCheck("s3-encrypted", [bucket, sse])).toEqual([]);
    expect(stackCheck("s3-encrypted", [bucket])).toEqual([
      { message: "bucket weights-123 has no server-side encryption configuration", resource: "weights" },
    ]);
  });
});

describe("per-stack config (the --policy-pack-config format)", () => {
  it("levels: the rule default, a string, an object, or all", () => {
    const level = (cfg: Record<string, unknown>, name: string) =>
      resolveRules(cfg).find((r) => r.rule.name === name)!.level;
    expect(level({}, "required-tags")).toBe("mandatory");
    expect(level({ "required-tags": "advisory" }, "required-tags")).toBe("advisory");
    expect(
      level({ all: "disabled", "images-pinned": { enforcementLevel: "mandatory" } }, "images-pinned"),
    ).toBe("mandatory");
    expect(level({ all: "disabled" }, "ebs-encrypted")).toBe("disabled");
    const tags = resolveRules({ "required-tags": { requiredTags: ["team"] } }).find(
      (r) => r.rule.name === "required-tags",
    )!;
    expect(tags.config).toEqual({ requiredTags: ["team"] });
  });
  it("refuses unknown policies and levels", () => {
    expect(() => resolveRules({ "no-such-rule": "advisory" })).toThrow(PolicyConfigError);
    expect(() => resolveRules({ "images-pinned": "warn" })).toThrow(/must be one of/);
  });
  it("shipped configs name every rule with a valid level; dev is lenient, staging and prod strict", () => {
    const root = join(__dirname, "..");
    for (const stack of ["dev", "staging", "prod"]) {
      const { config, file } = loadPolicyConfig(root, stack);
      expect(file).toBe(`policies/config/${stack}.json`);
      expect(Object.keys(config).sort()).toEqual(RULES.map((r) => r.name).sort());
      // Digest pinning stays advice while the shipped image lock is empty (README: Image pinning).
      expect(config["images-pinned-by-digest"]).toBe("advisory");
      const rules = resolveRules(config).filter((r) => r.rule.name !== "images-pinned-by-digest");
      const levels = rules.map((r) => r.level);
      if (stack === "dev") expect(levels).toContain("advisory");
      else expect(new Set(levels)).toEqual(new Set(["mandatory"]));
    }
  });
  it("a config file that is not JSON is a config error; no file means the defaults", () => {
    const root = mkdtempSync(join(tmpdir(), "ai-layer-policycfg-"));
    try {
      mkdirSync(join(root, "policies", "config"), { recursive: true });
      writeFileSync(join(root, "policies", "config", "x.json"), "{ nope");
      expect(() => loadPolicyConfig(root, "x")).toThrow(PolicyConfigError);
      expect(loadPolicyConfig(root, "y")).toEqual({ config: {} });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it("evaluate skips disabled rules and reports resource, level and fix", () => {
    const r: StackResource = {
      type: "docker:index/remoteImage:RemoteImage",
      name: "img",
      props: { name: "x:latest" },
    };
    const off = { "images-pinned-by-digest": "disabled" };
    expect(evaluate([r], { ...off, "images-pinned": "disabled" })).toEqual([]);
    const [f] = evaluate([r], { ...off, "images-pinned": "advisory" });
    expect(f).toMatchObject({ rule: "images-pinned", resource: "img", level: "advisory", severity: "high" });
    expect(f!.remediation).toMatch(/layer\.images/);
  });
});
