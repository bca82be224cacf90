import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsGpuFleetArgs } from "./gpuFleet";

/**
 * The load balancer's and the instances' security groups. Ingress rules only ever name a security group (the
 * clients' or the load balancer's), never a CIDR, so nothing outside those groups reaches vLLM.
 */
export function fleetSecurityGroups(
  name: string,
  args: Pick<AwsGpuFleetArgs, "fleet" | "vpcId" | "clientSecurityGroupIds">,
  tags: Record<string, string>,
  parent: pulumi.Resource,
) {
  const child = { parent };
  const port = args.fleet.vllmPort;
  const group = (id: string, description: string) =>
    new aws.ec2.SecurityGroup(`${name}-${id}`, { vpcId: args.vpcId, description, tags }, child);
  const lbSg = group("nlb", "ai-layer vLLM load balancer: listeners for the clients");
  const gpuSg = group("gpu", "ai-layer vLLM instances: the vLLM port for the load balancer and clients");
  // One rule per source or destination. Only the instances' egress takes a CIDR; every other rule names a group.
  const rule = (kind: "in" | "out", id: string, sg: aws.ec2.SecurityGroup, p: number | "all", peer: Peer) => {
    if (kind === "in" && "cidr" in peer)
      throw new Error(`AwsGpuFleet: ingress ${id} must name a security group`);
    const ruleArgs = {
      securityGroupId: sg.id,
      ...(p === "all" ? { ipProtocol: "-1" } : { ipProtocol: "tcp", fromPort: p, toPort: p }),
      ...("cidr" in peer ? { cidrIpv4: peer.cidr } : { referencedSecurityGroupId: peer.sg }),
      description: peer.description,
      tags,
    };
    return kind === "in"
      ? new aws.vpc.SecurityGroupIngressRule(`${name}-${id}`, ruleArgs, child)
      : new aws.vpc.SecurityGroupEgressRule(`${name}-${id}`, ruleArgs, child);
  };
  args.clientSecurityGroupIds.forEach((sg, i) => {
    for (const t of args.fleet.tracks)
      rule("in", `nlb-in-${t.id}-${i}`, lbSg, t.listenerPort, {
        sg,
        description: `${t.id} from client ${i}`,
      });
    // Prometheus on the control host scrapes each instance's /metrics directly (file_sd), not through the NLB.
    rule("in", `gpu-in-client-${i}`, gpuSg, port, { sg, description: `vLLM from client ${i}` });
  });
  rule("in", "gpu-in-nlb", gpuSg, port, { sg: lbSg.id, description: "vLLM from the load balancer" });
  rule("out", "nlb-out", lbSg, port, { sg: gpuSg.id, description: "traffic and health checks to vLLM" });
  // The instances pull the vLLM image and the weights and reach SSM through the NAT gateway.
  rule("out", "gpu-out", gpuSg, "all", { cidr: "0.0.0.0/0", description: "egress via NAT" });
  return { lbSg, gpuSg };
}

/** The other side of a security group rule: another security group, or (egress only) a CIDR. */
type Peer =
  | { readonly sg: pulumi.Input<string>; readonly description: string }
  | { readonly cidr: string; readonly description: string };
