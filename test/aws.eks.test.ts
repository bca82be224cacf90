// The aws-eks target's infrastructure on the mock runtime: VPC, EKS, node groups, add-ons, provider.
import * as pulumi from "@pulumi/pulumi";
import { recordOnMocks } from "./helpers/mockRuntime";
import { beforeAll, describe, expect, it } from "vitest";
import { mockCall, mockOutputs } from "../bin/offline/mockOutputs";
import { AwsEksCluster, AwsNetwork, CLUSTER_AUTOSCALER_CHART } from "../components/aws";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import { GPU_TAINT } from "../components/kubernetes/manifests/common";
import { plan as makePlan, type PlanFor } from "../components/plan";
import { renderLayerFiles } from "../components/render";
import { parseLayerSpec } from "../components/spec";
import { TAGGABLE_AWS_TYPES } from "../policies/rules/aws";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const TAGS = { owner: "ml-platform", environment: "prod", "cost-center": "cc-1234" };
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
/** aws types without tags in the API. */
const UNTAGGABLE = new Set([
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
]);

function awsPlan(): PlanFor<"aws-eks"> {
  const spec = parseLayerSpec({
    target: { kind: "aws-eks", region: "us-east-1", publicAccessCidrs: ["203.0.113.0/24"], tags: TAGS },
    models: [
      { name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } },
      { name: "embed", model: "nomic-embed-text-v1.5", gpu: { type: "L4" } },
      { name: "big", model: "qwen2.5-32b-instruct", gpu: { type: "A10G", count: 4 } },
    ],
  });
  return makePlan(spec, { stack: "prod", providedSecrets: new Set(["hfToken"]) });
}

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
/** Strips the mock runtime's secret wrapper. */
const reveal = (v: Json): Json => (v && typeof v === "object" && SECRET_SIG in v ? v.value : v);

describe("AwsEksCluster on the mock runtime", () => {
  const records: pulumi.runtime.MockResourceArgs[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  let plan: PlanFor<"aws-eks">;
  let eks: AwsEksCluster;
  const of = (type: string) => records.filter((r) => r.type === type);
  const one = (type: string, name?: string) => {
    const found = of(type).filter((r) => !name || r.name === name);
    expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    await recordOnMocks("prod", records, calls);
    plan = awsPlan();
    eks = new AwsEksCluster("prod", { plan });
    // Everything registered: the last resources depend on the cluster's outputs and the kubeconfig.
    await Promise.all([
      unwrap(eks.urn),
      unwrap(eks.kubeconfig),
      unwrap(eks.storageClassName),
      unwrap(eks.privateSubnetIds),
      unwrap(eks.provider.urn),
      ...Object.values(eks.gpuNodeGroupNames).map(unwrap),
    ]);
  });

  const awsPart = () => {
    return { aws: plan.target.aws, label: plan.target.gpuNodeLabel };
  };
  /** The launch template of a node group: registered under the node group's own name. */
  const template = (group: pulumi.runtime.MockResourceArgs) =>
    one("aws:ec2/launchTemplate:LaunchTemplate", group.name).inputs as Json;
  const gpuGroups = () => of(NODE_GROUP).filter((r) => r.inputs.amiType !== "AL2023_x86_64_STANDARD");

  it("registers the components with their type tokens and asks for available AZs", () => {
    expect(one("ai-layer:index:AwsEksCluster").custom).toBe(false);
    one("ai-layer:index:AwsNetwork");
    one("ai-layer:index:AwsEksAddons");
    const az = calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
    expect(az?.inputs.state).toBe("available");
  });

  it("one GPU node group per plan group: NVIDIA AMI, GPU taint, the label, sizes from the plan", () => {
    const { aws, label } = awsPart();
    expect(aws.gpuNodeGroups.map((g) => g.instanceType)).toEqual(["g6.xlarge", "g5.12xlarge"]);
    expect(gpuGroups()).toHaveLength(aws.gpuNodeGroups.length);
    for (const g of aws.gpuNodeGroups) {
      const r = one(NODE_GROUP, `prod-${g.name}`);
      expect(r.inputs.amiType).toBe("AL2023_x86_64_NVIDIA");
      expect(r.inputs.instanceTypes).toEqual([g.instanceType]);
      expect(r.inputs.capacityType).toBe("ON_DEMAND");
      expect(r.inputs.scalingConfig).toEqual({
        minSize: g.minSize,
        maxSize: g.maxSize,
        desiredSize: g.minSize,
      });
      expect(r.inputs.labels).toEqual({ [label]: g.gpuType });
      expect(r.inputs.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
      // With a launch template the disk lives there (EKS refuses diskSize next to one).
      expect(r.inputs.diskSize).toBeUndefined();
      expect(template(r).blockDeviceMappings[0].ebs.volumeSize).toBeGreaterThanOrEqual(200);
    }
  });

  it("every node group launches from its own template: IMDSv2 with hop limit 1, encrypted gp3 root", () => {
    const groups = of(NODE_GROUP);
    expect(groups).toHaveLength(3);
    expect(of("aws:ec2/launchTemplate:LaunchTemplate")).toHaveLength(3);
    for (const g of groups) {
      expect(g.inputs.launchTemplate.version).toBe("1");
      const t = template(g);
      // Hop limit 1: pods on the pod network get no IMDS token, hence never the node role.
      expect(t.metadataOptions).toEqual({
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
      expect(t.blockDeviceMappings).toEqual([
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: g.name === "prod-core" ? 50 : 200,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ]);
    }
  });

  it("the vLLM Deployments select and tolerate exactly what the GPU node groups carry", () => {
    const { label } = awsPart();
    const ctx = { namespace: plan.target.namespace, stack: plan.stack, gpuNodeLabel: label };
    const objects = kubernetesObjects(plan, ctx, renderLayerFiles(plan, kubernetesEndpoints(plan)));
    const vllm = objects.filter(
      (o) =>
        o.kind === "Deployment" &&
        (o.spec as Json).template.spec.containers.some((c: Json) => /vllm/.test(c.image)),
    );
    expect(vllm.length).toBeGreaterThanOrEqual(3);
    const groups = gpuGroups();
    const effect = { NoSchedule: "NO_SCHEDULE" }[GPU_TAINT.effect];
    for (const d of vllm) {
      const pod = (d.spec as Json).template.spec;
      const matching = groups.filter((g) =>
        Object.entries(pod.nodeSelector as Record<string, string>).every(
          ([k, v]) => g.inputs.labels[k] === v,
        ),
      );
      expect(matching, d.metadata.name).toHaveLength(1);
      for (const taint of matching[0]!.inputs.taints as Json[]) {
        const tolerated = (pod.tolerations as Json[]).some(
          (t) =>
            t.key === taint.key &&
            (t.operator === "Exists" || t.value === taint.value) &&
            { NoSchedule: "NO_SCHEDULE" }[t.effect as "NoSchedule"] === taint.effect,
        );
        expect(tolerated, `${d.metadata.name} tolerates ${taint.key}`).toBe(true);
      }
      expect(matching[0]!.inputs.taints[0].effect).toBe(effect);
    }
  });

  it("the CPU node group is the plan's core group, untainted", () => {
    const core = one(NODE_GROUP, "prod-core");
    expect(core.inputs.instanceTypes).toEqual(["m6i.large"]);
    expect(core.inputs.scalingConfig).toEqual({ minSize: 2, maxSize: 4, desiredSize: 2 });
    expect(core.inputs.taints).toBeUndefined();
  });

  it("nodes only in private subnets: private subnets route through NAT, public ones through the IGW", async () => {
    const privateIds = await unwrap(eks.privateSubnetIds);
    const publicIds = await unwrap(eks.publicSubnetIds);
    expect(privateIds).toHaveLength(2);
    expect(publicIds).toHaveLength(2);
    for (const ng of of(NODE_GROUP)) expect(ng.inputs.subnetIds).toEqual(privateIds);
    expect(one("aws:eks/cluster:Cluster").inputs.vpcConfig.subnetIds).toEqual(privateIds);
    const subnets = of(SUBNET);
    const priv = subnets.filter((s) => s.name.includes("-private-"));
    const pub = subnets.filter((s) => s.name.includes("-public-"));
    for (const s of priv) expect(s.inputs.tags["kubernetes.io/role/internal-elb"]).toBe("1");
    for (const s of pub) expect(s.inputs.tags["kubernetes.io/role/elb"]).toBe("1");
    for (const s of subnets) expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
    expect(priv.map((s) => s.inputs.availabilityZone)).toEqual(["us-east-1a", "us-east-1b"]);
    const tables = of("aws:ec2/routeTable:RouteTable");
    const privateTables = tables.filter((t) => t.name.includes("-private-"));
    expect(privateTables).toHaveLength(2);
    for (const t of privateTables)
      expect(t.inputs.routes).toEqual([
        { cidrBlock: "0.0.0.0/0", natGatewayId: expect.stringMatching(/^nat-0/) },
      ]);
    expect(one("aws:ec2/routeTable:RouteTable", "prod-net-public").inputs.routes[0].gatewayId).toMatch(
      /^igw-0/,
    );
    expect(of("aws:ec2/natGateway:NatGateway")).toHaveLength(2);
    for (const e of of("aws:ec2/eip:Eip")) expect(e.inputs.domain).toBe("vpc");
    const vpc = one("aws:ec2/vpc:Vpc");
    expect(vpc.inputs).toMatchObject({
      cidrBlock: "10.40.0.0/16",
      enableDnsSupport: true,
      enableDnsHostnames: true,
    });
  });

  it("the cluster: every control-plane log, Secrets envelope-encrypted with its own rotating KMS key", () => {
    const c = one("aws:eks/cluster:Cluster").inputs;
    expect(c.enabledClusterLogTypes).toEqual([
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    const key = one("aws:kms/key:Key");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    const keyArn = c.encryptionConfig.provider.keyArn;
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
    expect(c.encryptionConfig).toEqual({ provider: { keyArn }, resources: ["secrets"] });
    // The cluster role may use that key and no other.
    const grant = of("aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "prod-cluster-encryption")!;
    expect(JSON.parse(grant.inputs.policy).Statement).toEqual([
      {
        Sid: "EncryptKubernetesSecrets",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        Resource: keyArn,
      },
    ]);
  });

  it("the cluster: pinned version, API auth, private endpoint, public endpoint only from publicAccessCidrs", () => {
    const c = one("aws:eks/cluster:Cluster");
    expect(c.inputs.version).toBe("1.35");
    expect(c.inputs.accessConfig.authenticationMode).toBe("API");
    expect(c.inputs.vpcConfig.endpointPrivateAccess).toBe(true);
    expect(c.inputs.vpcConfig.endpointPublicAccess).toBe(true);
    expect(c.inputs.vpcConfig.publicAccessCidrs).toEqual(["203.0.113.0/24"]);
  });

  it("IAM: managed policies only where needed, Pod Identity for the add-ons that call AWS", async () => {
    const attached = (role: string) =>
      of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.name.startsWith(`${role}-`))
        .map((a) => a.inputs.policyArn)
        .sort();
    expect(attached("prod-cluster")).toEqual(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    // No CNI policy on the nodes: the VPC CNI has its own role through Pod Identity.
    expect(attached("prod-node")).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    ]);
    expect(attached("prod-net-vpc-cni")).toEqual(["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]);
    const cni = of("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "vpc-cni")!;
    // The VPC CNI enforces the layer's NetworkPolicies only with its network policy agent on.
    expect(JSON.parse(cni.inputs.configurationValues)).toEqual({ enableNetworkPolicy: "true" });
    expect(cni.inputs.podIdentityAssociations).toEqual([
      { serviceAccount: "aws-node", roleArn: expect.stringMatching(/:role\/prod-net-vpc-cni-[0-9a-f]+$/) },
    ]);
    expect(attached("prod-addons-ebs-csi")).toEqual([
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    ]);
    for (const r of of("aws:iam/role:Role").filter((r) => /ebs-csi|autoscaler|vpc-cni/.test(r.name)))
      expect(JSON.parse(r.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({
        Service: "pods.eks.amazonaws.com",
      });
    const assoc = of("aws:eks/podIdentityAssociation:PodIdentityAssociation").map(
      (a) => `${a.inputs.namespace}/${a.inputs.serviceAccount}`,
    );
    expect(assoc.sort()).toEqual(["kube-system/cluster-autoscaler", "kube-system/ebs-csi-controller-sa"]);
    const addons = of("aws:eks/addon:Addon").map((a) => a.inputs.addonName);
    expect(addons.sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent", "vpc-cni"]);
    const policy = JSON.parse(
      one("aws:iam/rolePolicy:RolePolicy", "prod-addons-cluster-autoscaler").inputs.policy,
    );
    const scale = policy.Statement.find((s: Json) => s.Sid === "ScaleOwnGroups");
    expect(scale.Condition.StringEquals).toEqual({
      [`aws:ResourceTag/k8s.io/cluster-autoscaler/${await unwrap(eks.clusterName)}`]: "owned",
    });
  });

  it("a default gp3 StorageClass, encrypted, through the EBS CSI driver and the cluster's provider", async () => {
    const sc = one("kubernetes:storage.k8s.io/v1:StorageClass");
    expect(sc.inputs.provisioner).toBe("ebs.csi.aws.com");
    expect(sc.inputs.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
    expect(sc.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(sc.inputs.volumeBindingMode).toBe("WaitForFirstConsumer");
    expect(sc.provider).toContain("pulumi:providers:kubernetes::prod-k8s");
    expect(await unwrap(eks.storageClassName)).toBe("gp3");
  });

  it("cluster-autoscaler: pinned chart, auto-discovery of this cluster, image matching the cluster's minor", async () => {
    const rel = one("kubernetes:helm.sh/v3:Release");
    expect(rel.inputs.chart).toBe("cluster-autoscaler");
    expect(rel.inputs.version).toBe(CLUSTER_AUTOSCALER_CHART.version);
    expect(rel.inputs.repositoryOpts.repo).toBe("https://kubernetes.github.io/autoscaler");
    expect(rel.inputs.values.autoDiscovery.clusterName).toBe(await unwrap(eks.clusterName));
    expect(rel.inputs.values.image.tag).toMatch(/^v1\.35\.\d+$/);
    expect(rel.inputs.values.rbac.serviceAccount.name).toBe("cluster-autoscaler");
    expect(rel.inputs.values.awsRegion).toBe("us-east-1");
  });

  it("every taggable AWS resource carries owner, environment and cost-center; so do the provider's defaultTags", () => {
    const awsResources = records.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(25);
    const taggable = awsResources.filter((r) => !UNTAGGABLE.has(r.type));
    // The policy pack's list of taggable types, and the EKS types it does not list, all carry the tags.
    expect(new Set(taggable.map((r) => r.type))).toEqual(
      new Set(
        [...awsResources.map((r) => r.type)].filter((t) => TAGGABLE_AWS_TYPES.has(t) || !UNTAGGABLE.has(t)),
      ),
    );
    for (const r of taggable) expect(r.inputs.tags, `${r.type} ${r.name}`).toMatchObject(TAGS);
    const provider = one("pulumi:providers:aws");
    const defaultTags =
      typeof provider.inputs.defaultTags === "string"
        ? JSON.parse(provider.inputs.defaultTags)
        : provider.inputs.defaultTags;
    expect(defaultTags.tags).toEqual(TAGS);
    expect(provider.inputs.region).toBe("us-east-1");
    for (const r of awsResources) expect(r.provider, r.name).toContain("pulumi:providers:aws::prod-aws");
  });

  it("the kubeconfig is secret, in the output and in the Kubernetes provider's inputs", async () => {
    expect(await pulumi.isSecret(eks.kubeconfig)).toBe(true);
    const p = one("pulumi:providers:kubernetes", "prod-k8s");
    expect(p.inputs.kubeconfig).toHaveProperty(SECRET_SIG);
    const cfg = JSON.parse(reveal(p.inputs.kubeconfig));
    expect(cfg.clusters[0].cluster.server).toMatch(
      /^https:\/\/[0-9A-F]{32}\.gr7\.us-east-1\.eks\.amazonaws\.com$/,
    );
    expect(Buffer.from(cfg.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toContain(
      "BEGIN CERTIFICATE",
    );
    expect(cfg.users[0].user.exec.args).toContain(await unwrap(eks.clusterName));
  });

  it("no security group or rule admits 0.0.0.0/0; the only open routes are NAT/IGW egress", () => {
    const open = (v: unknown) => v === "0.0.0.0/0" || v === "::/0";
    for (const r of records.filter((r) => /securityGroup/i.test(r.type))) {
      const rules = [...(r.inputs.ingress ?? []), ...(r.inputs.type === "ingress" ? [r.inputs] : [])];
      for (const rule of rules)
        expect([...(rule.cidrBlocks ?? []), rule.cidrIpv4].some(open), r.name).toBe(false);
    }
    const openRoutes = of("aws:ec2/routeTable:RouteTable").flatMap((t) =>
      t.inputs.routes.filter((rt: Json) => open(rt.cidrBlock)),
    );
    expect(openRoutes).toHaveLength(3);
    for (const rt of openRoutes) expect(rt.natGatewayId ?? rt.gatewayId).toMatch(/^(nat|igw)-0/);
  });
});

describe("AwsEksCluster input checks", () => {
  it("takes aws-eks plans only (a compile error otherwise), and refuses a GPU disk too small for weights", async () => {
    await pulumi.runtime.setMocks({ newResource: mockOutputs, call: mockCall }, "ai-layer", "prod", false);
    const k8sPlan = makePlan(
      parseLayerSpec({
        target: { kind: "kubernetes", context: "x" },
        models: [{ name: "chat", model: "llama-3.1-8b-instruct", gpu: { type: "L4" } }],
      }),
      { stack: "prod", providedSecrets: new Set(["hfToken"]) },
    );
    expect(k8sPlan.target.kind).toBe("kubernetes");
    // @ts-expect-error a kubernetes plan is not an aws-eks plan: the compiler refuses it (tsc checks this file)
    expect(() => new AwsEksCluster("bad", { plan: k8sPlan })).toThrow();
    expect(() => new AwsEksCluster("small", { plan: awsPlan(), gpuNodeDiskGiB: 100 })).toThrow(/200/);
    expect(
      () => new AwsNetwork("tiny", { vpcCidr: "10.0.0.0/24", availabilityZones: 2, tags: TAGS }),
    ).toThrow(/too small/);
  });
});
