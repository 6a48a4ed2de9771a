import { isIP } from 'node:net';
import { IsOptional, ValidateBy } from 'class-validator';
import { StringList } from './decorators.js';

/**
 * Ours: `notifications.network`, the network guard of every delivery (against SSRF). Each entry is a CIDR
 * (`10.1.0.0/16`, `fd00::/8`), an address, or a host name (`hooks.internal`, `*.corp.example`: any name under
 * it). A host name entry decides before an address entry, and in each deny before allow. `allow` lifts the
 * built-in denials (link-local, cloud metadata, 0.0.0.0/8, multicast; loopback and private ranges for endpoints
 * created through the API); `deny` refuses more. The worker checks the address it actually connects to.
 */
export class NetworkConfig {
  @IsOptional() @StringList() @NetworkEntries() allow: string[] = [];
  @IsOptional() @StringList() @NetworkEntries() deny: string[] = [];
}

const HOST_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/** Why an entry of `allow`/`deny` is not a CIDR, an address or a host name; undefined when it is one. */
export function networkEntryProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) || HOST_NAME.test(entry) ? undefined : `${entry}: not an address or host name`;
  const address = entry.slice(0, slash);
  const bits = entry.slice(slash + 1);
  const family = isIP(address);
  if (!family) return `${entry}: not a CIDR (address/prefix)`;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? undefined : `${entry}: prefix must be 0..${max}`;
}

function NetworkEntries(): PropertyDecorator {
  return ValidateBy({
    name: 'isNetworkEntries',
    validator: {
      validate: (value) =>
        Array.isArray(value) && value.every((entry) => typeof entry === 'string' && !networkEntryProblem(entry)),
      defaultMessage: (args) => {
        const entries = Array.isArray(args?.value) ? (args.value as unknown[]) : [];
        const bad = entries.map((entry) => networkEntryProblem(String(entry))).find(Boolean);
        return bad ?? 'must be a list of CIDRs, addresses or host names';
      },
    },
  });
}
