/**
 * Subnet arithmetic for the VPC layout, like Terraform's `cidrsubnet`: pure, so it is tested without Pulumi.
 */

const toInt = (ip: string): number => {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
};

const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** Splits `a.b.c.d/n` into its network address (as a number) and prefix length; host bits must be zero. */
export function parseCidr(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const prefix = Number(m[2]);
  if (prefix > 32) throw new Error(`prefix longer than 32 bits: ${cidr}`);
  const base = toInt(m[1]!);
  if (base % 2 ** (32 - prefix) !== 0) throw new Error(`${cidr} has host bits set`);
  return { base, prefix };
}

/**
 * The `netnum`-th subnet of `cidr` with `newbits` more prefix bits: cidrSubnet("10.40.0.0/16", 3, 1) is
 * "10.40.32.0/19".
 */
export function cidrSubnet(cidr: string, newbits: number, netnum: number): string {
  const { base, prefix } = parseCidr(cidr);
  const length = prefix + newbits;
  if (!Number.isInteger(newbits) || newbits < 1 || length > 32)
    throw new Error(`cannot add ${newbits} bits to ${cidr}`);
  if (!Number.isInteger(netnum) || netnum < 0 || netnum >= 2 ** newbits)
    throw new Error(`${cidr} has no subnet ${netnum} of /${length}`);
  return `${toIp(base + netnum * 2 ** (32 - length))}/${length}`;
}

/** AWS refuses subnets smaller than /28. */
export const SMALLEST_AWS_SUBNET_PREFIX = 28;

/**
 * The VPC layout: private subnets take the first six /(n+3) blocks (nodes and data stores: the VPC CNI gives
 * each pod a VPC address, so they get the space); public subnets (NAT gateways and load balancers) are /(n+5)
 * blocks in the last quarter. Up to six AZs, no overlap.
 */
export function vpcLayout(vpcCidr: string, azs: number): { publicCidrs: string[]; privateCidrs: string[] } {
  if (!Number.isInteger(azs) || azs < 1 || azs > 6) throw new Error(`between 1 and 6 AZs, not ${azs}`);
  const { prefix } = parseCidr(vpcCidr);
  if (prefix + 5 > SMALLEST_AWS_SUBNET_PREFIX)
    throw new Error(
      `VPC ${vpcCidr} is too small for public and private subnets in ${azs} AZs; use /${SMALLEST_AWS_SUBNET_PREFIX - 5} or larger`,
    );
  const idx = [...Array(azs).keys()];
  return {
    privateCidrs: idx.map((i) => cidrSubnet(vpcCidr, 3, i)),
    publicCidrs: idx.map((i) => cidrSubnet(vpcCidr, 5, 24 + i)),
  };
}
