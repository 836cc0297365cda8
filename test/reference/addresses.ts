// Addresses for the reference model: IPv4 and IPv6 as integers, CIDR membership, and the sample points that stand
// for every address. The generators use only the CIDRs in CIDRS (plus 0.0.0.0/0 and ::/0); the sample points hold one
// address of each region those CIDRs cut the address space into, so "every sample" means "every address".

export interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseV4(s: string): bigint {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`bad ${s}`);
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}
function parseV6(s: string): bigint {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad ${s}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

export const address = (s: string): Address =>
  s.includes(':') ? { family: 6, value: parseV6(s) } : { family: 4, value: parseV4(s) };

export function inCidr(a: Address, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string];
  const net = address(base);
  if (net.family !== a.family) return false;
  const width = a.family === 4 ? 32n : 128n;
  const shift = width - BigInt(Number(bitsText));
  return a.value >> shift === net.value >> shift;
}

/** CIDRs the generators may use, besides 0.0.0.0/0 and ::/0. */
export const CIDRS = ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'] as const;

/** One address outside the pod network per region that CIDRS cut each family into. */
export const OUTSIDE: readonly Address[] = [
  '10.2.0.1', // in 10.0.0.0/8
  '192.168.0.1', // in 192.168.0.0/16
  '8.8.8.8', // in no listed CIDR
  '2001:db8::1', // in 2001:db8::/32
  '2001:4860::1', // in no listed CIDR
].map(address);

/**
 * Where pods get their addresses. The engine does not know it; an exact answer of the engine must hold for each of
 * these: one inside each listed CIDR (10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32) and one outside all of them per
 * family. The OUTSIDE points lie outside every pod network.
 */
export type PodNetwork =
  | '10.1.0.0/16'
  | '192.168.128.0/17'
  | '172.16.0.0/12'
  | '2001:db8:1::/48'
  | 'fd00::/8';
export const POD_NETWORKS: readonly PodNetwork[] = [
  '10.1.0.0/16',
  '192.168.128.0/17',
  '172.16.0.0/12',
  '2001:db8:1::/48',
  'fd00::/8',
];
const POD_ADDRESS: Record<PodNetwork, string> = {
  '10.1.0.0/16': '10.1.0.5',
  '192.168.128.0/17': '192.168.128.5',
  '172.16.0.0/12': '172.16.0.5',
  '2001:db8:1::/48': '2001:db8:1::5',
  'fd00::/8': 'fd00::5',
};
export const podAddress = (n: PodNetwork): Address => address(POD_ADDRESS[n]);
