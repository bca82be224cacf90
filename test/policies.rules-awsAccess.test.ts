// The AWS least-privilege and audit rules (policies/rules/awsAccess.ts): on fixtures, and on what the prod (aws-eks)
// and gpu-fleet (aws-ec2) stacks really plan, where each rule passes and fails once the planned value is undone.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOffline } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { RULES, type StackResource } from "../policies/rules";

const ROOT = join(__dirname, "..");
const INSTANCE = "aws:ec2/instance:Instance";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const CLUSTER = "aws:eks/cluster:Cluster";

const rule = (name: string) => RULES.find((r) => r.name === name)!;
/** A rule's messages over a list of resources: resource rules per resource, stack rules once. */
function findings(name: string, resources: readonly StackResource[], config = {}): string[] {
  const r = rule(name);
  const cfg = { ...(r.defaults as object), ...config };
  if (r.kind === "stack")
    return r.check(resources, { config: cfg, secretsMasked: true }).map((v) => v.message);
  return resources.flatMap((x) =>
    r.check(x.type, x.props, { config: cfg, name: x.name, secretsMasked: true }),
  );
}
const res = (type: string, props: Record<string, any>, name = "r"): StackResource => ({ type, name, props });
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("imds-hop-limit", () => {
  it("1 passes; 2 or unset fails on instances and launch templates; maxHopLimit raises the bar", () => {
    const md = (n?: number) => ({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: n } });
    expect(findings("imds-hop-limit", [res(INSTANCE, md(1)), res(LT, md(1))])).toEqual([]);
    expect(findings("imds-hop-limit", [res(INSTANCE, md(2))])[0]).toMatch(/hop limit is 2: containers/);
    expect(findings("imds-hop-limit", [res(LT, md())])[0]).toMatch(/not set/);
    expect(findings("imds-hop-limit", [res(LT, {})])).toHaveLength(1);
    expect(findings("imds-hop-limit", [res(INSTANCE, md(2))], { maxHopLimit: 2 })).toEqual([]);
    // A node group is checked through its launch template; without one it gets the AMI's default (2).
    const NG = "aws:eks/nodeGroup:NodeGroup";
    expect(findings("imds-hop-limit", [res(NG, { launchTemplate: { id: "lt-1", version: "1" } })])).toEqual(
      [],
    );
    expect(findings("imds-hop-limit", [res(NG, {})])[0]).toMatch(/node group without a launch template/);
  });
});

describe("no-account-wide-parameter-reads", () => {
  it("refuses AmazonSSMManagedInstanceCore in any partition, attached or listed on the role", () => {
    for (const arn of [
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ])
      expect(findings("no-account-wide-parameter-reads", [res(ATTACH, { policyArn: arn })])).toHaveLength(1);
    const role = res("aws:iam/role:Role", {
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    });
    expect(findings("no-account-wide-parameter-reads", [role])).toHaveLength(1);
    const ok = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy";
    expect(findings("no-account-wide-parameter-reads", [res(ATTACH, { policyArn: ok })])).toEqual([]);
  });
  it("refuses an inline Allow of parameter reads on *, not on named parameters or a Deny", () => {
    const P = "aws:iam/rolePolicy:RolePolicy";
    const wide = doc({ Sid: "Wide", Effect: "Allow", Action: ["ssm:GetParameters"], Resource: "*" });
    expect(findings("no-account-wide-parameter-reads", [res(P, { policy: wide })])).toEqual([
      "statement Wide allows reading every SSM parameter (Resource *)",
    ]);
    const star = doc({ Effect: "Allow", Action: "ssm:*", Resource: ["*"] });
    expect(findings("no-account-wide-parameter-reads", [res(P, { policy: star })])).toHaveLength(1);
    const narrow = doc({
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: ["arn:aws:ssm:us-east-1:123456789012:parameter/ai-layer/prod/hfToken"],
    });
    const deny = doc({ Effect: "Deny", Action: ["ssm:GetParameter"], Resource: "*" });
    const session = doc({ Effect: "Allow", Action: ["ssm:UpdateInstanceInformation"], Resource: "*" });
    for (const policy of [narrow, deny, session, "not json"])
      expect(findings("no-account-wide-parameter-reads", [res(P, { policy })])).toEqual([]);
  });
  it("catches the other ways to read every parameter (found by review)", () => {
    const rule = "no-account-wide-parameter-reads";
    for (const arn of [
      "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
      "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
      "arn:aws:iam::aws:policy/AdministratorAccess",
    ])
      expect(findings(rule, [res(ATTACH, { policyArn: arn })]), arn).toHaveLength(1);
    // A name that only ends like one (AmazonS3ReadOnlyAccess) is not one.
    expect(
      findings(rule, [res(ATTACH, { policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" })]),
    ).toEqual([]);
    const P = "aws:iam/rolePolicy:RolePolicy";
    const accountArn = doc({
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: "arn:aws:ssm:us-east-1:123456789012:parameter/*",
    });
    const admin = doc({ Effect: "Allow", Action: "*", Resource: "*" });
    for (const policy of [accountArn, admin]) expect(findings(rule, [res(P, { policy })])).toHaveLength(1);
    const inline = res("aws:iam/role:Role", {
      inlinePolicies: [
        { name: "x", policy: doc({ Effect: "Allow", Action: ["ssm:GetParameters"], Resource: "*" }) },
      ],
    });
    expect(findings(rule, [inline])).toHaveLength(1);
  });
});

describe("eks-cluster-audited", () => {
  const logs = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
  const encryptionConfig = { provider: { keyArn: "arn:aws:kms:us-east-1:1:key/k" }, resources: ["secrets"] };
  it("passes with all five logs and Secrets encryption; names what is missing otherwise", () => {
    expect(
      findings("eks-cluster-audited", [res(CLUSTER, { enabledClusterLogTypes: logs, encryptionConfig })]),
    ).toEqual([]);
    expect(
      findings("eks-cluster-audited", [res(CLUSTER, { enabledClusterLogTypes: ["api"], encryptionConfig })]),
    ).toEqual(["control-plane logs not enabled: audit, authenticator, controllerManager, scheduler"]);
    expect(findings("eks-cluster-audited", [res(CLUSTER, { enabledClusterLogTypes: logs })])[0]).toMatch(
      /not envelope-encrypted/,
    );
    expect(
      findings(
        "eks-cluster-audited",
        [res(CLUSTER, { enabledClusterLogTypes: ["audit"], encryptionConfig })],
        {
          requiredLogTypes: ["audit"],
        },
      ),
    ).toEqual([]);
  });
});

describe("s3-tls-only and vpc-flow-logs (stack rules)", () => {
  const bucket = res("aws:s3/bucket:Bucket", { bucket: "b1" }, "files");
  const policy = (p: unknown) => res("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b1", policy: p }, "pol");
  const deny = doc({
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::b1", "arn:aws:s3:::b1/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
  it("a bucket passes with a policy denying plain HTTP (or one not known yet); fails with none or another", () => {
    expect(findings("s3-tls-only", [bucket, policy(deny)])).toEqual([]);
    expect(findings("s3-tls-only", [bucket, policy(undefined)])).toEqual([]);
    expect(findings("s3-tls-only", [bucket])).toHaveLength(1);
    const other = doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" });
    expect(findings("s3-tls-only", [bucket, policy(other)])).toHaveLength(1);
  });
  it("each VPC needs a flow log", () => {
    const vpc = (n: string) => res("aws:ec2/vpc:Vpc", {}, n);
    const log = res("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-1", trafficType: "ALL" });
    expect(findings("vpc-flow-logs", [vpc("a"), log])).toEqual([]);
    expect(findings("vpc-flow-logs", [vpc("a"), vpc("b"), log])).toEqual([
      "2 VPC(s) but 1 VPC flow log(s): VPC b is not recorded",
    ]);
    expect(rule("vpc-flow-logs").enforcementLevel).toBe("advisory");
  });
});

describe("on the planned stacks: every new rule passes, and fails once its planned value is undone", async () => {
  const planned = async (stack: string) =>
    (await runOffline(stack, readStackFile(join(ROOT, "stacks", `Pulumi.${stack}.yaml`)))).resources.map(
      (r): StackResource => ({ type: r.type, name: r.name, props: r.inputs as Record<string, any> }),
    );
  const [prod, fleet] = [await planned("prod"), await planned("gpu-fleet")];
  const names = [
    "imds-hop-limit",
    "no-account-wide-parameter-reads",
    "eks-cluster-audited",
    "s3-tls-only",
    "vpc-flow-logs",
  ];
  const edit = (
    list: StackResource[],
    type: string,
    change: (p: Record<string, any>) => Record<string, any>,
  ) => list.map((r) => (r.type === type ? { ...r, props: change(r.props) } : r));

  it("prod and gpu-fleet pass all of them", () => {
    for (const n of names) {
      expect(findings(n, prod), `prod ${n}`).toEqual([]);
      expect(findings(n, fleet), `gpu-fleet ${n}`).toEqual([]);
    }
  });

  it("negative controls: hop limit 2, the SSM core policy, an unaudited cluster, no bucket policy, no flow log", () => {
    const hop2 = (p: Record<string, any>) => ({
      ...p,
      metadataOptions: { ...p.metadataOptions, httpPutResponseHopLimit: 2 },
    });
    expect(findings("imds-hop-limit", edit(fleet, INSTANCE, hop2))).toHaveLength(1);
    expect(findings("imds-hop-limit", edit(prod, LT, hop2)).length).toBeGreaterThan(0);
    const core = res(ATTACH, { policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" });
    expect(findings("no-account-wide-parameter-reads", [...fleet, core])).toHaveLength(1);
    const bare = edit(prod, CLUSTER, ({ enabledClusterLogTypes: _l, encryptionConfig: _e, ...p }) => p);
    expect(findings("eks-cluster-audited", bare)).toHaveLength(2);
    expect(
      findings(
        "s3-tls-only",
        fleet.filter((r) => r.type !== "aws:s3/bucketPolicy:BucketPolicy"),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        "vpc-flow-logs",
        prod.filter((r) => r.type !== "aws:ec2/flowLog:FlowLog"),
      ),
    ).toHaveLength(1);
  });
});
