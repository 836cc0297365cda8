// The ports and addresses tier rules tell apart, as finite sets of points: a port point per stretch of port numbers
// (per protocol) between the bounds the rules name, an address point per stretch of addresses between the bounds of
// their CIDRs (per family), plus node addresses and domain-name addresses when a rule names them. Every port (address)
// of a stretch meets the same rules, so walking one point per stretch decides "on some port" and "every address"
// exactly. tier-walk.ts walks them.
import { parseIPv4, parseIPv6 } from '../addresses/ip-address.ts';
import type { Tri } from '../selectors/label-selector.ts';
import type { TierPeers, TierPort, TierRule } from '../sources/reader.ts';

export type PortPoint = { protocol: string; port: number };
/** The one point when no rule names a port: every rule matches it. */
const ANY_PORT: PortPoint = { protocol: '*', port: 0 };
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** One port per stretch the rules' ports cannot tell apart (TCP, UDP and SCTP; ports 1-65535). */
export function portPoints(rules: Iterable<TierRule>): PortPoint[] {
  const bounds = new Map<string, Set<number>>(PROTOCOLS.map((p) => [p, new Set([1])]));
  let narrowed = false;
  for (const r of rules) {
    if (!r.ports) continue;
    narrowed = true;
    for (const p of r.ports) {
      if ('named' in p) continue;
      const set = bounds.get(p.protocol);
      set?.add(Math.max(1, p.start));
      if (p.end < 65535) set?.add(p.end + 1);
    }
  }
  if (!narrowed) return [ANY_PORT];
  const out: PortPoint[] = [];
  for (const [protocol, set] of bounds)
    for (const port of [...set].sort((a, b) => a - b)) if (port <= 65535) out.push({ protocol, port });
  return out;
}

/** Whether a rule's ports take in the point; a named port may be any number: unknown unless a range holds it. */
export function portMatch(ports: readonly TierPort[] | undefined, point: PortPoint): Tri {
  if (!ports) return true;
  let out: Tri = false;
  for (const p of ports) {
    if ('named' in p) out = 'unknown';
    else if (p.protocol === point.protocol && p.start <= point.port && point.port <= p.end) return true;
  }
  return out;
}

export type AddressPoint =
  | { kind: 'ip'; family: 4 | 6; value: bigint }
  | { kind: 'node' }
  | { kind: 'domain' };

interface Cidr {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

const parsed = new Map<string, Cidr | undefined>();
/** A CIDR as the first and last address it holds; undefined when it cannot be read. Parsed once per text. */
export function parseCidr(text: string): Cidr | undefined {
  if (parsed.has(text)) return parsed.get(text);
  if (parsed.size > 10_000) parsed.clear();
  const cidr = readCidr(text);
  parsed.set(text, cidr);
  return cidr;
}

function readCidr(text: string): Cidr | undefined {
  const [address, bits, ...rest] = text.split('/');
  if (address === undefined || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits))
    return undefined;
  const family = address.includes(':') ? 6 : 4;
  const width = family === 4 ? 32 : 128;
  const prefix = Number(bits);
  const value = family === 4 ? parseIPv4(address) : parseIPv6(address);
  if (value === undefined || prefix > width) return undefined;
  const host = (1n << BigInt(width - prefix)) - 1n;
  return { family, first: value & ~host, last: (value & ~host) | host };
}

/**
 * One address per stretch the rules' networks (and the `cidrs` beside them: NetworkPolicy ipBlocks and their excepts)
 * cannot tell apart, in both families; nodes and domain names apart.
 */
export function addressPoints(rules: Iterable<TierRule>, cidrs: Iterable<string> = []): AddressPoint[] {
  const bounds: Record<4 | 6, Set<bigint>> = { 4: new Set([0n]), 6: new Set([0n]) };
  const top: Record<4 | 6, bigint> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };
  let nodes = false;
  let domains = false;
  const bound = (text: string) => {
    const c = parseCidr(text);
    if (!c) return;
    bounds[c.family].add(c.first);
    if (c.last < top[c.family]) bounds[c.family].add(c.last + 1n);
  };
  for (const r of rules) {
    nodes ||= r.peers.nodes;
    domains ||= r.peers.domainNames;
    for (const text of r.peers.networks) bound(text);
  }
  for (const text of cidrs) bound(text);
  const out: AddressPoint[] = [];
  for (const family of [4, 6] as const)
    for (const value of [...bounds[family]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      out.push({ kind: 'ip', family, value });
  if (nodes) out.push({ kind: 'node' });
  if (domains) out.push({ kind: 'domain' });
  return out;
}

/** Whether a CIDR holds an ip point; unknown when the CIDR cannot be read. */
export function cidrHolds(text: string, point: { family: 4 | 6; value: bigint }): Tri {
  const c = parseCidr(text);
  if (!c) return 'unknown';
  return c.family === point.family && c.first <= point.value && point.value <= c.last;
}

/** Whether a rule's peers take in an address outside the pod network. */
export function addressMatch(peers: TierPeers, point: AddressPoint): Tri {
  if (peers.unknown) return 'unknown';
  if (point.kind === 'ip') {
    let out: Tri = false;
    for (const text of peers.networks) {
      const c = parseCidr(text);
      if (!c) out = 'unknown';
      else if (c.family === point.family && c.first <= point.value && point.value <= c.last) return true;
    }
    return out;
  }
  if (point.kind === 'node' ? peers.nodes : peers.domainNames) return true;
  if (peers.allAddresses) return true;
  // Node and domain addresses lie somewhere in the address space: a network may or may not hold them.
  return peers.networks.length > 0 ? 'unknown' : false;
}

/**
 * Whether a rule's address peers take in the pods of a namespace: every address does; other networks may hold pod
 * addresses (the exporter does not know the pod CIDRs); nodes and domain names are not pods (host-network pods are
 * not modelled).
 */
export function addressMatchesPods(peers: TierPeers): Tri {
  if (peers.allAddresses) return true;
  return peers.networks.length > 0 ? 'unknown' : false;
}
