import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { vpcLayout } from "./cidr";
import { checkFlowLogRetention, DEFAULT_FLOW_LOG_RETENTION_DAYS, vpcFlowLog } from "./flowLog";

export interface AwsNetworkArgs {
  /** VPC address range, e.g. 10.40.0.0/16 (/23 or larger: public and private subnets per AZ). */
  readonly vpcCidr: string;
  /** How many availability zones to spread subnets and NAT gateways over (2–6). */
  readonly availabilityZones: number;
  /** Tags for every taggable resource (owner, environment, cost-center). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Days CloudWatch Logs keeps the VPC flow log (all traffic); one of the values CloudWatch accepts (1, 3, 5, 7,
   * 14, 30, 60, 90, 120, 150, 180, 365, …). Default 90.
   */
  readonly flowLogRetentionDays?: number;
}

/** Subnet tags the AWS load balancer controller and the in-tree service controller discover subnets by. */
export const PUBLIC_ELB_TAG = "kubernetes.io/role/elb";
export const INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb";

/**
 * A VPC across `availabilityZones` AZs: a public subnet per AZ (NAT gateway, internet-facing load balancers) and a
 * private subnet per AZ (nodes, data stores, internal load balancers) that reaches the internet through the NAT
 * gateway of its own AZ, so losing one AZ does not cut the others' egress. A flow log records all its traffic
 * into a CloudWatch log group of bounded retention.
 */
export class AwsNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The AZ names used, in subnet order. */
  public readonly availabilityZoneNames: pulumi.Output<string[]>;

  constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AwsNetwork", name, args, opts);
    // Validate before creating anything, so a bad CIDR is a plain error, not a failed deployment.
    const layout = vpcLayout(args.vpcCidr, args.availabilityZones);
    const flowLogRetentionDays = args.flowLogRetentionDays ?? DEFAULT_FLOW_LOG_RETENTION_DAYS;
    checkFlowLogRetention(flowLogRetentionDays);
    const count = args.availabilityZones;
    const child = { parent: this };
    const tags = (extra: Record<string, string> = {}) => ({ ...args.tags, ...extra });

    // Only zones that need no opt-in: Local and Wavelength Zones lack most instance types and NAT.
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      child,
    );
    this.availabilityZoneNames = zones.names.apply((names) => {
      if (names.length < count)
        throw new Error(`the region has ${names.length} available AZs; availabilityZones asks for ${count}`);
      return names.slice(0, count);
    });
    const az = (i: number) => this.availabilityZoneNames.apply((n) => n[i]!);

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: tags({ Name: name }),
      },
      child,
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: tags({ Name: name }) },
      child,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: tags({ Name: `${name}-public` }),
      },
      child,
    );

    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    for (let i = 0; i < count; i++) {
      const pub = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: layout.publicCidrs[i]!,
          availabilityZone: az(i),
          // Nothing launched here needs a public IP: NAT gateways take an EIP, load balancers their own.
          mapPublicIpOnLaunch: false,
          tags: tags({ Name: `${name}-public-${i}`, [PUBLIC_ELB_TAG]: "1" }),
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: pub.id, routeTableId: publicRoutes.id },
        child,
      );
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: tags({ Name: `${name}-nat-${i}` }) },
        {
          ...child,
          dependsOn: [igw],
        },
      );
      const nat = new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.allocationId, subnetId: pub.id, tags: tags({ Name: `${name}-nat-${i}` }) },
        { ...child, dependsOn: [igw] },
      );
      const priv = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: layout.privateCidrs[i]!,
          availabilityZone: az(i),
          mapPublicIpOnLaunch: false,
          tags: tags({ Name: `${name}-private-${i}`, [INTERNAL_ELB_TAG]: "1" }),
        },
        child,
      );
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: tags({ Name: `${name}-private-${i}` }),
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: priv.id, routeTableId: privateRoutes.id },
        child,
      );
      publicSubnets.push(pub);
      privateSubnets.push(priv);
    }

    vpcFlowLog(
      name,
      {
        vpcId: vpc.id,
        retentionDays: flowLogRetentionDays,
        tags: args.tags,
      },
      child,
    );

    this.vpcId = vpc.id;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}

/** The subnets and VPC of a network the team already has, in AwsNetwork's shape (no public subnets are used). */
export function existingNetwork(net: {
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
}): Pick<AwsNetwork, "vpcId" | "privateSubnetIds" | "publicSubnetIds"> {
  return {
    vpcId: pulumi.output(net.vpcId),
    privateSubnetIds: pulumi.output([...net.privateSubnetIds]),
    publicSubnetIds: pulumi.output([] as string[]),
  };
}
