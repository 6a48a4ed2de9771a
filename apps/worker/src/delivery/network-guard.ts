import type { NetworkConfig } from '@app/config';
import { effectiveAddresses, formatAddress, inRange, parseAddress, parseRange, type IpRange } from './ip-ranges.js';

/**
 * Where an endpoint came from. `config`: written by the operator in the config file, so loopback and private
 * addresses are allowed (receivers on the same host or network are the common case). `api`: created at run
 * time by whoever may call the API, so they are denied unless `notifications.network.allow` lists them.
 */
export type EndpointOrigin = 'config' | 'api';

interface LabelledRange extends IpRange {
  label: string;
}

const ranges = (label: string, ...texts: string[]): LabelledRange[] =>
  texts.map((text) => ({ ...parseRange(text)!, label }));

/** Denied whatever the endpoint's origin unless allowed (first match names the reason). */
const ALWAYS_DENIED: readonly LabelledRange[] = [
  ...ranges('a cloud metadata address', '169.254.169.254', 'fd00:ec2::254', '100.100.100.200'),
  ...ranges('link-local', '169.254.0.0/16', 'fe80::/10'),
  ...ranges('in 0.0.0.0/8 ("this network")', '0.0.0.0/8'),
  ...ranges('the unspecified address', '::/128'),
  ...ranges('broadcast', '255.255.255.255'),
  ...ranges('multicast', '224.0.0.0/4', 'ff00::/8'),
];

/** Allowed for endpoints from the config file, denied for those created through the API unless allowed. */
const LOCAL: readonly LabelledRange[] = [
  ...ranges('loopback', '127.0.0.0/8', '::1/128'),
  ...ranges('private', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'),
];

/**
 * The network guard of deliveries (`notifications.network`), as one pure decision: may an attempt for the
 * URL host `host` connect to `address`? Host name entries decide first (deny, then allow), then address
 * entries (deny, then allow), then the built-in ranges. The connector asks it for every connection it opens,
 * with the address it resolved and again with the address the socket is connected to.
 */
export class NetworkGuard {
  private readonly allowNames: string[] = [];
  private readonly denyNames: string[] = [];
  private readonly allowRanges: IpRange[] = [];
  private readonly denyRanges: IpRange[] = [];

  constructor(network: Pick<NetworkConfig, 'allow' | 'deny'> = { allow: [], deny: [] }) {
    for (const [entries, names, cidrs] of [
      [network.allow, this.allowNames, this.allowRanges],
      [network.deny, this.denyNames, this.denyRanges],
    ] as const) {
      for (const entry of entries) {
        const range = parseRange(entry);
        if (range) cidrs.push(range);
        else names.push(normalName(entry));
      }
    }
  }

  /** Why connecting to `address` for `host` is refused, or undefined when it is allowed. */
  refusal(host: string, address: string, origin: EndpointOrigin): string | undefined {
    const name = normalName(host);
    const shown = name === normalName(address) ? address : `${address} (${host})`;
    const refused = (why: string) => `refused by notifications.network: ${shown} ${why}`;
    if (this.denyNames.some((pattern) => nameMatches(name, pattern)))
      return refused(`is denied by name in notifications.network.deny`);
    const parsed = parseAddress(address);
    if (!parsed) return refused('is not an IP address');
    const addresses = effectiveAddresses(parsed);
    const denied = this.denyRanges.find((range) => addresses.some((one) => inRange(one, range)));
    if (denied) return refused(`is in ${denied.text}, denied by notifications.network.deny`);
    if (this.allowNames.some((pattern) => nameMatches(name, pattern))) return undefined;
    if (this.allowRanges.some((range) => addresses.some((one) => inRange(one, range)))) return undefined;
    const always = matchOf(ALWAYS_DENIED, addresses);
    if (always) return refused(`is ${always.label}${viaEmbedded(always, parsed)}: always denied unless allowed`);
    const local = origin === 'api' ? matchOf(LOCAL, addresses) : undefined;
    if (local)
      return refused(`is ${local.label}${viaEmbedded(local, parsed)}: denied for endpoints created through the API`);
    return undefined;
  }
}

function matchOf(list: readonly LabelledRange[], addresses: Uint8Array[]): LabelledRange | undefined {
  for (const range of list) if (addresses.some((one) => inRange(one, range))) return range;
  return undefined;
}

/** ` (as 127.0.0.1)` when the range matched the IPv4 address embedded in an IPv6 one. */
function viaEmbedded(range: IpRange, address: Uint8Array): string {
  if (inRange(address, range)) return '';
  const embedded = effectiveAddresses(address)[1];
  return embedded ? ` (as ${formatAddress(embedded)})` : '';
}

function normalName(name: string): string {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** `*.corp.example` matches every name under corp.example (not itself); other patterns match exactly. */
function nameMatches(name: string, pattern: string): boolean {
  return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern;
}
