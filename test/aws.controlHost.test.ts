// AwsControlHost on Pulumi's mock runtime: the instance, its network rules, the files bucket, the role, and the user
// data (real shellcheck), for the gpu-fleet stack with ElastiCache and a variant with the Redis container. Its
// configs (fleetEndpoints): test/aws.fleetEndpoints.test.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mockOutputs } from "../bin/offline/mockOutputs";
import { recordOnMocks } from "./helpers/mockRuntime";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AwsControlHost,
  CONTROL_HOST_AMI_NAME,
  CONTROL_HOST_IMDS_HOP_LIMIT,
} from "../components/aws/controlHost";
import type { SecretParameter } from "../components/aws/secretParameters";
import { AwsElastiCache } from "../components/aws/elasticache";
import { fleetEndpoints } from "../components/aws/fleetEndpoints";
import { ssmSecretName, type PlanFor } from "../components/plan";
import { fileList, renderLayerFiles } from "../components/render";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";
import { gpuFleetPlan as fleetPlan } from "./helpers/gpuFleet";
import { EXPECTED_SESSION_MANAGER_STATEMENTS } from "./helpers/sessionManager";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const STACK = "gpu-fleet";
const VPC_CIDR = "10.40.0.0/16";
const CLIENT_CIDRS = ["192.168.0.0/16", "172.16.5.0/24"];
const SUBNET = "subnet-0privateaaaaaaaaa";
const GET_AMI = "aws:ec2/getAmi:getAmi";
const SECRET_VALUE = (key: string) => `fake-${key}-Zq9x`;
const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

describe("AwsControlHost on the mock runtime", () => {
  const records: pulumi.runtime.MockResourceArgs[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  const of = (type: string, prefix?: string) =>
    records.filter((r) => r.type === type && (!prefix || r.name.startsWith(prefix)));
  const one = (type: string, prefix: string) => {
    const found = of(type, prefix);
    expect(found, `${type} ${prefix}`).toHaveLength(1);
    return found[0]!.inputs as Json;
  };
  let p: PlanFor<"aws-ec2">;
  let host: AwsControlHost;
  let local: AwsControlHost;
  let sgId: string;
  let arns: Record<string, string>;

  beforeAll(async () => {
    await recordOnMocks(STACK, records, calls);
    p = fleetPlan((l) => (l.target.gatewayClientCidrs = CLIENT_CIDRS));
    const sg = new aws.ec2.SecurityGroup("host-sg", { vpcId: "vpc-0123456789abcdef0" });
    // Every layer secret of the plan in SSM, hfToken included (the host must not be granted it).
    const parameters: Record<string, SecretParameter> = {};
    for (const s of p.secrets) {
      const param = new aws.ssm.Parameter(`secret-${s.configKey}`, {
        name: ssmSecretName(STACK, s.configKey),
        type: "SecureString",
        value: pulumi.secret(SECRET_VALUE(s.configKey)),
      });
      parameters[s.configKey] = { name: param.name, arn: param.arn };
    }
    const cache = new AwsElastiCache("cache", {
      cache: p.target.aws.elasticache!,
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: [SUBNET],
      clientSecurityGroupIds: [sg.id],
      authToken: pulumi.secret(SECRET_VALUE("redisPassword")),
      tags: p.target.aws.tags,
    });
    const apiBaseEnv = Object.fromEntries(
      p.target.aws.tracks.map((t) => [
        t.apiBaseEnv,
        pulumi.output(`http://internal-nlb.elb:${t.listenerPort}/v1`),
      ]),
    );
    host = new AwsControlHost("fleet", {
      plan: p,
      files: fileList(renderLayerFiles(p, fleetEndpoints(p))),
      vpcCidr: VPC_CIDR,
      subnetId: SUBNET,
      securityGroupId: sg.id,
      secretParameters: parameters,
      apiBaseEnv,
      redisHost: cache.primaryEndpointAddress,
    });
    const lp = fleetPlan((l) => delete l.target.elasticache);
    local = new AwsControlHost("local", {
      plan: lp,
      files: fileList(renderLayerFiles(lp, fleetEndpoints(lp))),
      vpcCidr: VPC_CIDR,
      subnetId: SUBNET,
      securityGroupId: "sg-0local0000000000",
      secretParameters: parameters,
      apiBaseEnv,
    });
    sgId = await unwrap(sg.id);
    arns = Object.fromEntries(
      await Promise.all(
        Object.entries(parameters).map(async ([k, v]) => [k, await unwrap(pulumi.output(v.arn))]),
      ),
    );
    await Promise.all(
      [host, local].flatMap((h) => [unwrap(h.instanceId), unwrap(h.gatewayUrl), unwrap(h.bucketName)]),
    );
  });

  const instance = (prefix = "fleet") => one("aws:ec2/instance:Instance", prefix);

  it("registers the component with its type token", () => {
    expect(of("ai-layer:index:AwsControlHost").map((r) => r.name)).toEqual(["fleet", "local"]);
  });

  it("instance: private subnet, no public IP, IMDSv2 required, encrypted gp3 root of the planned size", () => {
    const i = instance();
    // The address lives on an interface of its own (it outlives a replaced host), in the private subnet, with
    // the gateway's security group; the instance sets no subnet, group or public address itself.
    const eni = one("aws:ec2/networkInterface:NetworkInterface", "fleet");
    expect(eni).toMatchObject({ subnetId: SUBNET, securityGroups: [sgId] });
    expect(i.primaryNetworkInterface.networkInterfaceId).toMatch(/^eni-0[0-9a-f]{16}$/);
    for (const k of ["subnetId", "vpcSecurityGroupIds", "associatePublicIpAddress"])
      expect(i[k]).toBeUndefined();
    expect(i.instanceType).toBe(p.target.aws.controlHost.instanceType);
    expect(i.metadataOptions).toMatchObject({ httpEndpoint: "enabled", httpTokens: "required" });
    // 2 = the host plus one hop into a bridge-network container (Prometheus' EC2 discovery); never more.
    // 1: containers (Prometheus included) get no IMDS token, hence no role; the host lists the fleet for them.
    expect(i.metadataOptions.httpPutResponseHopLimit).toBe(1);
    expect(CONTROL_HOST_IMDS_HOP_LIMIT).toBe(1);
    expect(i.rootBlockDevice).toEqual({
      volumeType: "gp3",
      volumeSize: p.target.aws.controlHost.diskGiB,
      encrypted: true,
      deleteOnTermination: true,
    });
    expect(i.userDataReplaceOnChange).toBe(true);
    expect(i.iamInstanceProfile).toBe(
      mockOutputs(of("aws:iam/instanceProfile:InstanceProfile", "fleet")[0]!).state.name,
    );
  });

  it("looks the AMI up by the AL2023 ECS-optimized x86_64 name, owned by Amazon, newest first", () => {
    const lookup = calls.filter((c) => c.token === GET_AMI);
    expect(lookup.length).toBeGreaterThan(0);
    for (const c of lookup) {
      expect(c.inputs).toMatchObject({ owners: ["amazon"], mostRecent: true });
      expect(c.inputs.filters).toContainEqual({ name: "name", values: [CONTROL_HOST_AMI_NAME] });
      expect(c.inputs.filters).toContainEqual({ name: "architecture", values: ["x86_64"] });
    }
    expect(CONTROL_HOST_AMI_NAME).toMatch(/^al2023-ami-ecs-hvm-\*.*x86_64$/);
    expect(instance().ami).toMatch(/^ami-0/);
  });

  it("security group: the gateway port from the VPC and the configured CIDRs only, all egress", () => {
    const rules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "fleet").map(
      (r) => r.inputs,
    );
    expect(rules.map((r) => r.cidrIpv4)).toEqual([VPC_CIDR, ...CLIENT_CIDRS]);
    for (const r of rules) {
      expect(r).toMatchObject({ securityGroupId: sgId, ipProtocol: "tcp", fromPort: 4000, toPort: 4000 });
      expect(r.referencedSecurityGroupId).toBeUndefined();
    }
    const egress = of("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "fleet").map(
      (r) => r.inputs,
    );
    expect(egress).toEqual([
      expect.objectContaining({ securityGroupId: sgId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
    ]);
  });

  it("no security group anywhere opens 0.0.0.0/0 inbound, or Grafana's or Prometheus' port", () => {
    const ingress = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs);
    expect(ingress.length).toBeGreaterThan(3);
    for (const r of ingress) {
      expect(r.cidrIpv4).not.toBe("0.0.0.0/0");
      for (const port of [3000, 9090])
        expect(port >= r.fromPort && port <= r.toPort, `${port} in ${r.fromPort}-${r.toPort}`).toBe(false);
    }
    for (const sg of of("aws:ec2/securityGroup:SecurityGroup")) expect(sg.inputs.ingress ?? []).toEqual([]);
  });

  it("bucket: private, encrypted, one object per rendered file under <stack>/files/", async () => {
    const bucket = await unwrap(host.bucketName);
    expect(one("aws:s3/bucket:Bucket", "fleet").forceDestroy).toBe(true);
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "fleet")).toMatchObject({
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "fleet")
        .rules,
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    const files = fileList(renderLayerFiles(p, fleetEndpoints(p)));
    const objects = of("aws:s3/bucketObjectv2:BucketObjectv2", "fleet").map((r) => r.inputs);
    expect(objects.map((o) => [o.bucket, o.key, o.content])).toEqual(
      files.map((f) => [bucket, `${STACK}/files/${f.path}`, f.content]),
    );
  });

  it("bucket: TLS only, every S3 action over plain HTTP denied on the bucket and its objects", async () => {
    const bucket = await unwrap(host.bucketName);
    const policy = one("aws:s3/bucketPolicy:BucketPolicy", "fleet");
    expect(policy.bucket).toBe(bucket);
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("role: Session Manager only, and reads on exactly the files prefix, the secrets the containers use, and the fleet", async () => {
    const role = one("aws:iam/role:Role", "fleet");
    expect(JSON.parse(role.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: "ec2.amazonaws.com",
    });
    // No managed policy: AmazonSSMManagedInstanceCore would grant ssm:GetParameter on every parameter.
    expect(of("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "fleet")).toEqual([]);
    const session = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "fleet-session-manager").policy);
    expect(session.Statement).toEqual(EXPECTED_SESSION_MANAGER_STATEMENTS);
    const doc = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "fleet-read").policy);
    const bucketArn = `arn:aws:s3:::${await unwrap(host.bucketName)}`;
    const sid = (s: string) => doc.Statement.find((x: Json) => x.Sid === s);
    expect(sid("ReadRenderedFiles")).toMatchObject({
      Action: ["s3:GetObject"],
      Resource: [`${bucketArn}/${STACK}/files/*`],
    });
    expect(sid("ListRenderedFiles")).toMatchObject({
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": [`${STACK}/files/*`] } },
    });
    const used = ["gatewayMasterKey", "grafanaAdminPassword", "redisPassword", "vllmApiKey"];
    expect(sid("ReadLayerSecrets")).toMatchObject({
      Action: ["ssm:GetParameter"],
      Resource: used.map((k) => arns[k]),
    });
    expect(sid("ReadLayerSecrets").Resource).not.toContain(arns.hfToken);
    expect(sid("ListVllmInstances")).toMatchObject({ Action: ["ec2:DescribeInstances"], Resource: "*" });
    expect(doc.Statement.map((x: Json) => x.Sid)).toHaveLength(4);
    for (const s of doc.Statement) expect(s.Effect).toBe("Allow");
  });

  it("user data names parameters, never their values, and carries the fleet URLs and the cache endpoint", async () => {
    const ud = instance().userData as string;
    expect(ud).not.toMatch(/Zq9x/);
    expect(ud).toContain(`'${ssmSecretName(STACK, "gatewayMasterKey")}'`);
    expect(ud).toContain(`s3://$BUCKET/$PREFIX/`);
    expect(ud).toContain(`readonly BUCKET='${await unwrap(host.bucketName)}'`);
    expect(ud).toContain("VLLM_CHAT_API_BASE=http://internal-nlb.elb:8100/v1");
    expect(ud).toMatch(/-e 'REDIS_HOST=master\.[^']+\.cache\.amazonaws\.com'/);
    expect(ud).not.toContain("'ai-layer-cache' ");
    expect(instance("local").userData).toContain("'ai-layer-cache' ");
    expect(instance("local").userData).not.toContain("REDIS_HOST=");
  });

  it("outputs the gateway URL on the private IP and Session Manager port-forward commands", async () => {
    const [id, ip] = [await unwrap(host.instanceId), await unwrap(host.privateIp)];
    expect(id).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(ip).toMatch(/^10\.40\.\d+\.\d+$/);
    expect(await unwrap(host.gatewayUrl)).toBe(`http://${ip}:4000`);
    const forward = (port: number) =>
      `aws ssm start-session --target ${id} --document-name AWS-StartPortForwardingSession ` +
      `--parameters portNumber=${port},localPortNumber=${port} --region us-east-1`;
    expect(await unwrap(host.grafanaPortForwardCommand!)).toBe(forward(3000));
    expect(await unwrap(host.gatewayPortForwardCommand)).toBe(forward(4000));
  });

  it("refuses a redisHost the plan does not use, and a missing one it needs", () => {
    const base = {
      files: [],
      vpcCidr: VPC_CIDR,
      subnetId: SUBNET,
      securityGroupId: "sg-0x",
      secretParameters: {},
      apiBaseEnv: {},
    };
    const parent = new pulumi.ComponentResource("test:index:Parent", "refusals");
    expect(() => new AwsControlHost("x1", { ...base, plan: p }, { parent })).toThrow(/pass redisHost/);
    const lp = fleetPlan((l) => delete l.target.elasticache);
    expect(() => new AwsControlHost("x2", { ...base, plan: lp, redisHost: "h" }, { parent })).toThrow(
      /no ElastiCache/,
    );
  });

  const hasShellcheck = requireTool("shellcheck");
  itRequiresToolInCi("shellcheck", "apt-get install shellcheck");
  it.skipIf(!hasShellcheck)(
    toolTitle(
      "the user data passes shellcheck (all severities)",
      "shellcheck",
      hasShellcheck,
      "apt-get install shellcheck",
    ),
    () => {
      for (const prefix of ["fleet", "local"]) {
        const r = run("shellcheck", ["-S", "style", "-"], { input: instance(prefix).userData });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }
    },
  );
});
