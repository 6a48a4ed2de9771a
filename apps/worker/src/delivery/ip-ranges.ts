import { isIP } from 'node:net';

/**
 * Addresses as 16 bytes, IPv4 in its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so that one range test covers
 * both families and `::ffff:169.254.169.254` (or `::ffff:a9fe:a9fe`) is the very address `169.254.169.254`.
 */
export type Address = Uint8Array;

export interface IpRange {
  /** The range as written (for reasons). */
  text: string;
  base: Address;
  bits: number;
}

/** The 16 bytes of an IPv4 or IPv6 address (brackets and a zone index allowed); undefined when it is not one. */
export function parseAddress(text: string): Address | undefined {
  const bare = (text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text).replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return mapped(bare.split('.').map(Number));
  if (family === 6) return parseIPv6(bare);
  return undefined;
}

/** `a.b.c.d/n`, `v6/n`, or one address (a range of one). */
export function parseRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const base = parseAddress(address);
  if (!base) return undefined;
  const v4 = isIP(address) === 4;
  const prefix = slash === -1 ? (v4 ? 32 : 128) : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (v4 ? 32 : 128)) return undefined;
  return { text, base, bits: v4 ? 96 + prefix : prefix };
}

export function inRange(address: Address, range: IpRange): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const left = range.bits - bit;
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((address[bit / 8]! & mask) !== (range.base[bit / 8]! & mask)) return false;
  }
  return true;
}

/**
 * The addresses a connection to `address` may end up at: itself, and the IPv4 address embedded in the
 * IPv4-compatible (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) forms, which some networks route to it.
 */
export function effectiveAddresses(address: Address): Address[] {
  const embedded = address.slice(12);
  const zeros = (from: number, to: number) => address.slice(from, to).every((byte) => byte === 0);
  const compatible = zeros(0, 12) && !zeros(12, 14);
  const nat64 = address[0] === 0x00 && address[1] === 0x64 && address[2] === 0xff && address[3] === 0x9b;
  return compatible || (nat64 && zeros(4, 12)) ? [address, mapped([...embedded])] : [address];
}

/** The address as text: dotted for IPv4 (mapped or not), else the bytes as eight hex groups. */
export function formatAddress(address: Address): string {
  if (address.slice(0, 10).every((byte) => byte === 0) && address[10] === 0xff && address[11] === 0xff)
    return [...address.slice(12)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  return groups.join(':');
}

function mapped(octets: number[]): Address {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(octets, 12);
  return bytes;
}

/** A valid IPv6 text (checked by isIP): groups around at most one `::`, the last 32 bits possibly dotted. */
function parseIPv6(text: string): Address {
  const groupsOf = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a! << 8) | b!, (c! << 8) | d!];
        });
  const gap = text.indexOf('::');
  const head = groupsOf(gap === -1 ? text : text.slice(0, gap));
  const tail = gap === -1 ? [] : groupsOf(text.slice(gap + 2));
  const groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[2 * index] = group >> 8;
    bytes[2 * index + 1] = group & 0xff;
  });
  return bytes;
}
