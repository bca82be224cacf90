import ipaddr from "ipaddr.js";

/**
 * CIDR parsing and "open to the internet" judged by the addresses a list covers, not by string comparison with
 * 0.0.0.0/0 (which let `0.0.0.0/1` + `128.0.0.0/1` or `1.2.3.4/0` through). Pure; the spec checks and the
 * policy pack (policies/rules/network.ts) share it. Parsing is ipaddr.js (whitequark/ipaddr.js, pinned).
 */

export interface Cidr {
  readonly family: 4 | 6;
  /** First and last address covered, as integers (host bits of the written address ignored). */
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
  /** Whether the written address has host bits set (`10.0.0.1/16`). */
  readonly hostBitsSet: boolean;
}

const toBig = (bytes: number[]) => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);

/**
 * Parses `a.b.c.d/n` (four decimal octets, no leading zeros: ipaddr.js would read `010` as octal) or an IPv6
 * CIDR. Returns a reason instead of throwing, so callers report it as a config problem.
 */
export function parseCidr(text: string, families: readonly (4 | 6)[] = [4, 6]): Cidr | { error: string } {
  const v4 = families.includes(4) && ipaddr.IPv4.isValidCIDRFourPartDecimal(text);
  const v6 = !v4 && families.includes(6) && text.includes(":") && ipaddr.IPv6.isValidCIDR(text);
  if (!v4 && !v6) {
    const m = /^([^/]*)\/(\d+)$/.exec(text);
    const kind = families.length === 1 ? `an IPv${families[0]} CIDR` : "a CIDR";
    if (!m) return { error: `"${text}" is not ${kind} (address/prefix, e.g. 203.0.113.0/24)` };
    if (families.includes(4) && ipaddr.IPv4.isValidFourPartDecimal(m[1]!) && Number(m[2]) > 32)
      return { error: `"${text}": an IPv4 prefix is at most /32` };
    return { error: `"${text}" is not ${kind}: the address is invalid (octets are 0–255)` };
  }
  const [addr, prefix] = v4 ? ipaddr.IPv4.parseCIDR(text) : ipaddr.IPv6.parseCIDR(text);
  const bits = v4 ? 32 : 128;
  const value = toBig(addr.toByteArray());
  const size = 1n << BigInt(bits - prefix);
  const first = value - (value % size);
  return { family: v4 ? 4 : 6, first, last: first + size - 1n, prefix, hostBitsSet: first !== value };
}

const isError = (c: Cidr | { error: string }): c is { error: string } => "error" in c;

/** Why `text` is not a usable network CIDR (invalid, or host bits set), or undefined when it is. */
export function cidrProblem(text: string, families: readonly (4 | 6)[] = [4]): string | undefined {
  const c = parseCidr(text, families);
  if (isError(c)) return c.error;
  if (c.hostBitsSet) {
    const network = (c.family === 4 ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(text).toString();
    return `"${text}" has host bits set; the network is ${network}/${c.prefix}`;
  }
  return undefined;
}

/**
 * Address space that is not reachable from the public internet, per the IANA special-purpose registries
 * (RFC 6890): private (RFC 1918), CGNAT (RFC 6598), loopback, link-local, "this network", documentation
 * (RFC 5737), benchmarking, IETF protocol assignments, 6to4 relay, multicast and reserved. IPv6: only global
 * unicast 2000::/3 counts as public, minus documentation (2001:db8::/32).
 */
const NOT_PUBLIC_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/3", // multicast 224/4 and reserved 240/4 (with the broadcast address)
];
const PUBLIC_V6 = "2000::/3";
const NOT_PUBLIC_V6 = ["2001:db8::/32"];

/**
 * The threshold: a list is "open to the internet" when the public addresses it covers together exceed one /8
 * of IPv4 (2^24, about 16.8 million addresses) or one /32 of IPv6 (2^96, a whole ISP allocation). No office,
 * VPN or peer network needs more; 0.0.0.0/0, 0.0.0.0/1 + 128.0.0.0/1, or 1.0.0.0/7 all exceed it.
 */
export const OPEN_THRESHOLD = { 4: 1n << 24n, 6: 1n << 96n } as const;

type Range = [bigint, bigint];
const range = (text: string): Range => {
  const c = parseCidr(text) as Cidr;
  return [c.first, c.last];
};

/** Merges overlapping or adjacent ranges. */
function union(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1n) last[1] = r[1] > last[1] ? r[1] : last[1];
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Addresses of `ranges` (merged) that fall inside `within` and outside every range of `minus`. */
function countPublic(ranges: Range[], within: Range, minus: Range[]): bigint {
  let total = 0n;
  for (const [a, b] of union(ranges)) {
    const lo = a > within[0] ? a : within[0];
    const hi = b < within[1] ? b : within[1];
    if (lo > hi) continue;
    total += hi - lo + 1n;
    for (const [x, y] of minus) {
      const l = lo > x ? lo : x;
      const h = hi < y ? hi : y;
      if (l <= h) total -= h - l + 1n;
    }
  }
  return total;
}

/** Public addresses a list of CIDRs covers, per family (invalid entries are skipped: report them apart). */
export function publicAddressCount(cidrs: readonly string[]): { 4: bigint; 6: bigint } {
  const parsed = cidrs.map((c) => parseCidr(c.trim())).filter((c): c is Cidr => !isError(c));
  const of = (f: 4 | 6): Range[] => parsed.filter((c) => c.family === f).map((c) => [c.first, c.last]);
  const v4All: Range = [0n, (1n << 32n) - 1n];
  return {
    4: countPublic(of(4), v4All, union(NOT_PUBLIC_V4.map(range))),
    6: countPublic(of(6), range(PUBLIC_V6), NOT_PUBLIC_V6.map(range)),
  };
}

/**
 * Whether a list of CIDRs opens a service to the internet (see OPEN_THRESHOLD), with a sentence saying why,
 * for messages: `"0.0.0.0/1, 128.0.0.0/1 cover 3.7 billion public IPv4 addresses"`.
 */
export function openToInternet(cidrs: readonly string[]): string | undefined {
  const count = publicAddressCount(cidrs);
  const list = cidrs.join(", ");
  if (count[4] > OPEN_THRESHOLD[4])
    return `${list} cover${cidrs.length === 1 ? "s" : ""} ${describe(count[4])} public IPv4 addresses (more than a /8)`;
  if (count[6] > OPEN_THRESHOLD[6])
    return `${list} cover${cidrs.length === 1 ? "s" : ""} more than a /32 of public IPv6 space`;
  return undefined;
}

function describe(n: bigint): string {
  const v = Number(n);
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} billion`;
  return `${(v / 1e6).toFixed(1)} million`;
}
