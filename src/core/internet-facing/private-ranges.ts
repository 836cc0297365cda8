// Whether a CIDR lies wholly inside address space the internet does not route: RFC 1918, shared address space
// (RFC 6598), loopback, link-local, and IPv6 unique-local, link-local and loopback. Anything unreadable is not
// private: a range we cannot read must not hide an entry point.
import { parseIPv4, parseIPv6 } from '../addresses/ip-address.ts';

interface Block {
  v6: boolean;
  base: bigint;
  bits: number;
}

const PRIVATE_BLOCKS: readonly Block[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
].map((cidr) => parseCidr(cidr) as Block);

function parseCidr(cidr: string): Block | undefined {
  const [address, prefix, extra] = cidr.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const v6 = address.includes(':');
  const width = v6 ? 128 : 32;
  const bits = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  const base = v6 ? parseIPv6(address) : parseIPv4(address);
  return base === undefined ? undefined : { v6, base, bits };
}

function within(inner: Block, outer: Block): boolean {
  if (inner.v6 !== outer.v6 || inner.bits < outer.bits) return false;
  const shift = BigInt((inner.v6 ? 128 : 32) - outer.bits);
  return inner.base >> shift === outer.base >> shift;
}

export function isPrivateRange(cidr: string): boolean {
  const block = parseCidr(cidr);
  return block !== undefined && PRIVATE_BLOCKS.some((outer) => within(block, outer));
}
