// The aws-ec2 GPU fleet on the mock runtime: SSM secrets, DLAMI lookup, IAM, security groups, NLB, launch
// templates (IMDSv2, encrypted gp3, user data) and Auto Scaling groups, all from the gpu-fleet stack's plan.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { recordOnMocks } from "./helpers/mockRuntime";
import { beforeAll, describe, expect, it } from "vitest";
import { mockCall } from "../bin/offline/mockOutputs";
import {
  AwsGpuFleet,
  DLAMI_NAME_PATTERN,
  FLEET_HEALTH_CHECK_GRACE_SECONDS,
} from "../components/aws/gpuFleet";
import { AwsSecretParameters } from "../components/aws/secretParameters";
import type { AwsEc2Plan } from "../components/plan/planAwsEc2";
import { fleetVllmArgs } from "../components/render";
import { gpuFleetPlan } from "./helpers/gpuFleet";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";
import { EXPECTED_SESSION_MANAGER_STATEMENTS } from "./helpers/sessionManager";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const STACK = "gpu-fleet";
/** Distinctive fake secrets: they must reach SSM and never user data. */
const SECRETS = { hfToken: "hf_FAKEfleetTokenQ7w8e9r0t1", vllmApiKey: "vk-FAKEfleetKeyM3n4b5v6c7" };
const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"];
const CLIENT_SGS = ["sg-0c0ffee0c0ffee001", "sg-0c0ffee0c0ffee002"];
const OWN_AMI = "ami-0123456789abcdef0";
const INSTALL = "apt-get install shellcheck";
const hasShellcheck = requireTool("shellcheck");
const T = {
  lt: "aws:ec2/launchTemplate:LaunchTemplate",
  asg: "aws:autoscaling/group:Group",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  nlb: "aws:lb/loadBalancer:LoadBalancer",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  ssm: "aws:ssm/parameter:Parameter",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  getAmi: "aws:ec2/getAmi:getAmi",
};

const fleetPlan = (): AwsEc2Plan => gpuFleetPlan().target.aws;
/** The vLLM arguments of each track, rendered from the plan's models (what AwsEc2Layer passes the fleet). */
const VLLM_ARGS = fleetVllmArgs(gpuFleetPlan());

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
const reveal = (v: Json): Json => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);
const userDataOf = (lt: pulumi.runtime.MockResourceArgs) =>
  Buffer.from(reveal(lt.inputs.userData) as string, "base64").toString("utf8");

describe("AwsGpuFleet on the mock runtime", () => {
  const records: pulumi.runtime.MockResourceArgs[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  let fleet: AwsEc2Plan;
  let out: Record<string, Json>;
  let ownAmiLts: pulumi.runtime.MockResourceArgs[];
  /** The main fleet's records of a type (the own-AMI fleet is checked separately). */
  const of = (type: string) => records.filter((r) => r.type === type && r.name.startsWith(`${STACK}-`));
  const byTrack = (type: string, track: string) => {
    const found = of(type).filter((r) => r.name === `${STACK}-${track}`);
    expect(found, `${type} ${track}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    await recordOnMocks(STACK, records, calls);
    fleet = fleetPlan();
    const provider = new aws.Provider("fleet-aws", { region: "us-east-1" });
    const providers = { providers: { aws: provider } };
    const secrets = new AwsSecretParameters(
      "fleet-secrets",
      { stack: STACK, secrets: SECRETS, tags: { ...fleet.tags } },
      providers,
    );
    const base = {
      fleet,
      vllmArgs: VLLM_ARGS,
      stack: STACK,
      vpcId: "vpc-0fedcba9876543210",
      privateSubnetIds: SUBNETS,
      clientSecurityGroupIds: CLIENT_SGS,
      secretParameters: {
        HF_TOKEN: secrets.parameters.hfToken!,
        VLLM_API_KEY: secrets.parameters.vllmApiKey!,
      },
    };
    const gpu = new AwsGpuFleet(STACK, base, providers);
    new AwsGpuFleet("own", { ...base, amiId: OWN_AMI }, providers);
    out = await unwrap(
      pulumi.output({
        loadBalancerDnsName: gpu.loadBalancerDnsName,
        apiBaseUrls: gpu.apiBaseUrls,
        apiBaseEnv: gpu.apiBaseEnv,
        instanceSecurityGroupId: gpu.instanceSecurityGroupId,
        loadBalancerSecurityGroupId: gpu.loadBalancerSecurityGroupId,
        autoScalingGroupNames: gpu.autoScalingGroupNames,
      }),
    );
    // Drains the queue: every resource the components constructed has reached newResource.
    await pulumi.runtime.disconnect();
    ownAmiLts = records.filter((r) => r.type === T.lt && r.name.startsWith("own-"));
  });

  it("registers the components and one launch template, target group, listener and group per track", () => {
    expect(records.filter((r) => r.type === "ai-layer:index:AwsGpuFleet").map((r) => r.name)).toEqual([
      STACK,
      "own",
    ]);
    expect(records.filter((r) => r.type === "ai-layer:index:AwsSecretParameters")).toHaveLength(1);
    expect(fleet.tracks.map((t) => t.id)).toEqual(["chat", "embed"]);
    for (const type of [T.lt, T.tg, T.listener, T.asg])
      expect(of(type), type).toHaveLength(fleet.tracks.length);
    expect(of(T.nlb)).toHaveLength(1);
  });

  it("every AWS resource and the AMI lookup go through the caller's provider", () => {
    const awsRecords = records.filter((r) => r.type.startsWith("aws:"));
    expect(awsRecords.length).toBeGreaterThan(20);
    for (const r of awsRecords) expect(r.provider, r.name).toContain("pulumi:providers:aws::fleet-aws");
    for (const c of calls.filter((c) => c.token === T.getAmi)) expect(c.provider).toContain("fleet-aws");
  });

  it("looks up the DLAMI with explicit owners and mostRecent, and launches it", () => {
    const amis = calls.filter((c) => c.token === T.getAmi);
    // The own-AMI fleet skips the lookup.
    expect(amis).toHaveLength(1);
    const q = amis[0]!.inputs;
    expect(q.mostRecent).toBe(true);
    expect(q.owners).toEqual(["amazon"]);
    expect(q.filters).toEqual(
      expect.arrayContaining([
        { name: "name", values: [DLAMI_NAME_PATTERN] },
        { name: "state", values: ["available"] },
        { name: "architecture", values: ["x86_64"] },
      ]),
    );
    expect(DLAMI_NAME_PATTERN).toMatch(
      /^Deep Learning Base OSS Nvidia Driver GPU AMI \(Amazon Linux 2023\) /,
    );
    const ami = mockCall({ token: T.getAmi, inputs: q });
    for (const lt of of(T.lt)) expect(lt.inputs.imageId).toBe(ami.id);
    expect(ownAmiLts.map((lt) => lt.inputs.imageId)).toEqual(fleet.tracks.map(() => OWN_AMI));
  });

  it("every launch template requires IMDSv2 and an encrypted gp3 root volume of the plan's size", () => {
    for (const lt of [...of(T.lt), ...ownAmiLts]) {
      expect(lt.inputs.metadataOptions).toEqual({
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
      });
      expect(lt.inputs.blockDeviceMappings).toEqual([
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeType: "gp3",
            volumeSize: fleet.gpuDiskGiB,
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ]);
      expect(lt.inputs.keyName).toBeUndefined();
    }
  });

  it("launch templates: the track's instance type, the instance SG and profile, discovery tags", () => {
    for (const t of fleet.tracks) {
      const lt = byTrack(T.lt, t.id);
      expect(lt.inputs.instanceType).toBe(t.instanceType);
      expect(lt.inputs.vpcSecurityGroupIds).toEqual([out.instanceSecurityGroupId]);
      expect(lt.inputs.iamInstanceProfile.arn).toMatch(
        /^arn:aws:iam::\d{12}:instance-profile\/gpu-fleet-gpu-/,
      );
      const specs = lt.inputs.tagSpecifications as Json[];
      expect(specs.map((s) => s.resourceType).sort()).toEqual(["instance", "volume"]);
      for (const s of specs)
        expect(s.tags).toMatchObject({
          ...fleet.tags,
          "ai-layer.dev/stack": STACK,
          "ai-layer.dev/model": t.model,
          "ai-layer.dev/track": t.track,
        });
    }
  });

  it("the NLB is internal, in the private subnets, behind its own security group", () => {
    const nlb = of(T.nlb)[0]!;
    expect(nlb.inputs.internal).toBe(true);
    expect(nlb.inputs.loadBalancerType).toBe("network");
    expect(nlb.inputs.subnets).toEqual(SUBNETS);
    expect(nlb.inputs.securityGroups).toEqual([out.loadBalancerSecurityGroupId]);
  });

  it("each track: TCP target group on the vLLM port health-checking HTTP /health, and its listener", () => {
    for (const t of fleet.tracks) {
      const tg = byTrack(T.tg, t.id);
      expect(tg.inputs).toMatchObject({
        protocol: "TCP",
        port: fleet.vllmPort,
        targetType: "instance",
        preserveClientIp: "false",
        deregistrationDelay: 30,
      });
      expect(tg.inputs.healthCheck).toMatchObject({
        protocol: "HTTP",
        path: "/health",
        port: "traffic-port",
      });
      const listener = byTrack(T.listener, t.id);
      expect(listener.inputs.port).toBe(t.listenerPort);
      expect(listener.inputs.protocol).toBe("TCP");
      expect(listener.inputs.loadBalancerArn).toContain(":loadbalancer/net/gpu-fleet-nlb-");
      expect(listener.inputs.defaultActions).toEqual([
        { type: "forward", targetGroupArn: expect.stringContaining(`:targetgroup/gpu-fleet-${t.id}-`) },
      ]);
    }
  });

  it("no security group rule admits a CIDR; vLLM is open only to the NLB SG and the client SGs", () => {
    const everyRule = records.filter((r) => r.type === T.ingress || r.type === T.egress);
    expect(everyRule.length).toBeGreaterThan(0);
    for (const r of records.filter((r) => r.type === T.ingress)) {
      expect(r.inputs.cidrIpv4, r.name).toBeUndefined();
      expect(r.inputs.cidrIpv6, r.name).toBeUndefined();
      expect(r.inputs.prefixListId, r.name).toBeUndefined();
      expect(r.inputs.referencedSecurityGroupId, r.name).toMatch(/^sg-/);
    }
    for (const r of everyRule)
      for (const v of [r.inputs.cidrIpv4, r.inputs.cidrIpv6])
        if (v !== undefined)
          expect([r.type, v, r.inputs.securityGroupId]).toEqual([T.egress, "0.0.0.0/0", expect.any(String)]);
    // Inline rules and the legacy rule resource would escape the checks above.
    for (const sg of records.filter((r) => r.type === T.sg))
      expect([sg.inputs.ingress, sg.inputs.egress]).toEqual([undefined, undefined]);
    expect(records.some((r) => r.type === "aws:ec2/securityGroupRule:SecurityGroupRule")).toBe(false);

    const rules = (type: string, sg: string) =>
      of(type)
        .filter((r) => r.inputs.securityGroupId === sg)
        .map(
          (r) =>
            `${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort}<${r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4}`,
        )
        .sort();
    const gpuSg = out.instanceSecurityGroupId as string;
    const lbSg = out.loadBalancerSecurityGroupId as string;
    const p = fleet.vllmPort;
    expect(rules(T.ingress, gpuSg)).toEqual([lbSg, ...CLIENT_SGS].map((s) => `tcp/${p}-${p}<${s}`).sort());
    expect(rules(T.ingress, lbSg)).toEqual(
      fleet.tracks
        .flatMap((t) => CLIENT_SGS.map((s) => `tcp/${t.listenerPort}-${t.listenerPort}<${s}`))
        .sort(),
    );
    expect(rules(T.egress, lbSg)).toEqual([`tcp/${p}-${p}<${gpuSg}`]);
    expect(rules(T.egress, gpuSg)).toEqual(["-1/undefined-undefined<0.0.0.0/0"]);
  });

  it("Auto Scaling groups: the plan's sizes, ELB health with a long grace, rolling refresh, propagated tags", () => {
    for (const t of fleet.tracks) {
      const g = byTrack(T.asg, t.id);
      expect([g.inputs.minSize, g.inputs.maxSize, g.inputs.desiredCapacity]).toEqual([
        t.minSize,
        t.maxSize,
        t.minSize,
      ]);
      expect(g.inputs.vpcZoneIdentifiers).toEqual(SUBNETS);
      expect(g.inputs.healthCheckType).toBe("ELB");
      expect(g.inputs.healthCheckGracePeriod).toBe(FLEET_HEALTH_CHECK_GRACE_SECONDS);
      expect(FLEET_HEALTH_CHECK_GRACE_SECONDS).toBeGreaterThanOrEqual(1200);
      expect(g.inputs.targetGroupArns).toEqual([expect.stringContaining(`:targetgroup/gpu-fleet-${t.id}-`)]);
      expect(g.inputs.launchTemplate).toEqual({
        id: expect.stringMatching(/^lt-0[0-9a-f]{16}$/),
        version: "1",
      });
      expect(g.inputs.instanceRefresh.strategy).toBe("Rolling");
      expect(g.inputs.instanceRefresh.preferences.minHealthyPercentage).toBe(100);
      const tags = g.inputs.tags as Json[];
      expect(tags.every((x) => x.propagateAtLaunch === true)).toBe(true);
      expect(tags).toEqual(
        expect.arrayContaining([{ key: "ai-layer.dev/track", value: t.track, propagateAtLaunch: true }]),
      );
    }
  });

  it("the role has Session Manager only (no account-wide parameter reads) and reads exactly the given parameters", () => {
    // No managed policy: AmazonSSMManagedInstanceCore would grant ssm:GetParameter on every parameter.
    expect(of(T.attachment)).toEqual([]);
    const session = of(T.rolePolicy).filter((r) => r.name.endsWith("-session-manager"));
    expect(session).toHaveLength(1);
    expect(JSON.parse(session[0]!.inputs.policy).Statement).toEqual(EXPECTED_SESSION_MANAGER_STATEMENTS);
    const policies = of(T.rolePolicy).filter((r) => !r.name.endsWith("-session-manager"));
    expect(policies).toHaveLength(1);
    const doc = JSON.parse(policies[0]!.inputs.policy);
    const arn = (key: string) => `arn:aws:ssm:us-east-1:123456789012:parameter/ai-layer/${STACK}/${key}`;
    expect(doc.Statement).toEqual([
      {
        Sid: "ReadLayerSecrets",
        Effect: "Allow",
        Action: ["ssm:GetParameter"],
        Resource: [arn("hfToken"), arn("vllmApiKey")],
      },
    ]);
    expect(policies[0]!.inputs.policy).not.toContain("*");
  });

  it("SSM holds the secrets as SecureStrings, secret in the state too", () => {
    const params = records.filter((r) => r.type === T.ssm);
    expect(params.map((r) => r.inputs.name).sort()).toEqual([
      `/ai-layer/${STACK}/hfToken`,
      `/ai-layer/${STACK}/vllmApiKey`,
    ]);
    for (const r of params) {
      expect(r.inputs.type).toBe("SecureString");
      expect(r.inputs.value).toHaveProperty(SECRET_SIG);
    }
    expect(params.map((r) => reveal(r.inputs.value)).sort()).toEqual(Object.values(SECRETS).sort());
  });

  it("user data: names the parameters, holds no secret value, installs nothing, pulls the one pinned image", () => {
    for (const t of fleet.tracks) {
      const script = userDataOf(byTrack(T.lt, t.id));
      for (const key of Object.keys(SECRETS)) expect(script).toContain(`'/ai-layer/${STACK}/${key}'`);
      for (const value of Object.values(SECRETS)) expect(script).not.toContain(value);
      expect(script).toContain('aws ssm get-parameter --with-decryption --region "$REGION" --name');
      expect(script).not.toMatch(/\b(dnf|yum|apt|apt-get|pip3?|curl|wget|rpm)\b/);
      expect(script.match(/[\w.-]+(?:\/[\w.-]+)+:[\w][\w.-]*/g)).toEqual([t.image]);
      expect(script.match(/docker pull/g)).toHaveLength(1);
      expect(script).toContain(`-p '${fleet.vllmPort}:${fleet.vllmPort}'`);
    }
  });

  it("user data: the vLLM args, read back by bash, are the plan's track args in order", () => {
    for (const t of fleet.tracks) {
      const script = userDataOf(byTrack(T.lt, t.id));
      const block = script.slice(script.indexOf("VLLM_ARGS=("), script.indexOf("\n)\n") + 2);
      expect(block).toMatch(/^VLLM_ARGS=\(\n[\s\S]*\n\)$/);
      const r = run("bash", ["-c", `${block}\nprintf '%s\\0' "\${VLLM_ARGS[@]}"`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split("\0").slice(0, -1)).toEqual([...VLLM_ARGS[t.id]!]);
    }
  });

  it("outputs: apiBaseEnv maps each track's env var to http://<NLB DNS>:<listener port>/v1", () => {
    const dns = out.loadBalancerDnsName as string;
    expect(dns).toMatch(/^gpu-fleet-nlb-[0-9a-f]{7}-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    expect(out.apiBaseEnv).toEqual(
      Object.fromEntries(fleet.tracks.map((t) => [t.apiBaseEnv, `http://${dns}:${t.listenerPort}/v1`])),
    );
    expect(out.apiBaseUrls).toEqual(
      Object.fromEntries(fleet.tracks.map((t) => [t.id, `http://${dns}:${t.listenerPort}/v1`])),
    );
    expect(Object.keys(out.autoScalingGroupNames)).toEqual(fleet.tracks.map((t) => t.id));
    for (const t of fleet.tracks)
      expect(out.autoScalingGroupNames[t.id]).toMatch(new RegExp(`^gpu-fleet-${t.id}-`));
  });

  itRequiresToolInCi("shellcheck", INSTALL);

  describe.skipIf(!hasShellcheck)(
    toolTitle("shellcheck -s bash on the launch templates' user data", "shellcheck", hasShellcheck, INSTALL),
    () => {
      it("every track's user data passes", () => {
        for (const lt of of(T.lt)) {
          const r = run("shellcheck", ["-s", "bash", "-"], { input: userDataOf(lt) });
          expect(r.status, `${lt.name}\n${r.stdout}${r.stderr}`).toBe(0);
        }
      });

      it("negative control: the same script with an unquoted expansion is flagged", () => {
        const script = userDataOf(of(T.lt)[0]!);
        const broken = script.replace('"$IMAGE" "${VLLM_ARGS[@]}"', '"$IMAGE" ${VLLM_ARGS[@]}');
        expect(broken).not.toBe(script);
        const r = run("shellcheck", ["-s", "bash", "-"], { input: broken });
        expect(r.status).not.toBe(0);
        expect(r.stdout).toContain("SC2068");
      });
    },
  );
});
