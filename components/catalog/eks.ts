/**
 * EKS facts the planner prices and checks. Support calendar: endoflife.date/amazon-eks (from the AWS EKS
 * Kubernetes release calendar, docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html): 14 months of
 * standard support, then 12 of extended support billed extra per cluster-hour. Versions here are the ones the
 * aws/ components can run: a cluster-autoscaler image is pinned for each (components/aws/addons.ts).
 */
export interface EksVersionSupport {
  /** Released on EKS (YYYY-MM-DD). */
  readonly released: string;
  /** Last day of standard support. */
  readonly standardEnds: string;
  /** Last day of extended support. */
  readonly extendedEnds: string;
}

export const EKS_VERSIONS: Readonly<Record<string, EksVersionSupport>> = {
  "1.31": { released: "2024-09-26", standardEnds: "2025-11-26", extendedEnds: "2026-11-26" },
  "1.32": { released: "2025-01-25", standardEnds: "2026-03-23", extendedEnds: "2027-03-23" },
  "1.33": { released: "2025-05-28", standardEnds: "2026-07-29", extendedEnds: "2027-07-29" },
  "1.34": { released: "2025-10-06", standardEnds: "2026-12-02", extendedEnds: "2027-12-02" },
  "1.35": { released: "2026-01-28", standardEnds: "2027-03-27", extendedEnds: "2028-03-27" },
};

/**
 * Control plane $/cluster-hour: $0.10 in standard support, $0.60 in extended ($0.10 + $0.50). Source: the Amazon
 * EKS pricing page (aws.amazon.com/eks/pricing) as quoted in public notes ("$0.10 per cluster per hour";
 * "$0.60 per cluster per hour"); AWS's own notice for 1.21 extended support also says $0.60. List price, re-check.
 */
export const EKS_CONTROL_PLANE_USD_PER_HOUR = { standard: 0.1, extended: 0.6 } as const;

/**
 * A customer managed KMS key (the EKS cluster's Secrets key), $/h: "Each AWS KMS key that you create in AWS KMS costs
 * $1/month (prorated hourly)" (aws.amazon.com/kms/pricing), over 730 h. Each yearly rotation's new backing key adds
 * $1/month on that page, and requests beyond the free tier cost extra; neither is priced here. List price, re-check.
 */
export const KMS_KEY_USD_PER_HOUR = 1 / 730;

/**
 * NAT gateway $/h per gateway in us-east-1 ($0.045/h, plus $0.045 per GB processed, which the plan cannot know):
 * the Amazon VPC pricing page (aws.amazon.com/vpc/pricing) as quoted in public guides. List price, re-check.
 */
export const NAT_GATEWAY_USD_PER_HOUR = 0.045;

/**
 * A load balancer's $/h in us-east-1 (Network or Application Load Balancer: $0.0225/h each, plus capacity units
 * by traffic, which the plan cannot know): the Elastic Load Balancing pricing page as quoted in public guides
 * (clustercost.com "AWS Network Load Balancer Pricing (US-East-1 2025 Guide)"). Used for the aws-ec2 fleet's
 * internal NLB and for each Service an aws-eks stack exposes as type LoadBalancer (the controller that creates it
 * may pick a Classic Load Balancer, priced a little differently). List price, re-check.
 */
export const LOAD_BALANCER_USD_PER_HOUR = 0.0225;

/** Where a version stands on `date` (YYYY-MM-DD): standard, extended, or past support. */
export function eksSupportOn(version: string, date: string): "standard" | "extended" | "ended" | undefined {
  const v = EKS_VERSIONS[version];
  if (!v) return undefined;
  return date <= v.standardEnds ? "standard" : date <= v.extendedEnds ? "extended" : "ended";
}
