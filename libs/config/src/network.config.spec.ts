import { describe, expect, it } from 'vitest';
import { fromObject, loadConfig } from './load-config.js';
import { base, refusal } from './config-spec-support.js';

describe('notifications.network', () => {
  it('defaults to empty lists (the built-in denials alone)', () => {
    expect(fromObject(base).notifications.network).toMatchObject({ allow: [], deny: [] });
  });

  it('takes CIDRs, addresses and host names, a single string as a list of one', () => {
    const { network } = fromObject({
      ...base,
      notifications: {
        network: {
          allow: ['10.0.0.0/8', 'fd00::/8', '169.254.169.254', 'hooks.internal', '*.corp.example'],
          deny: 'x.test',
        },
      },
    }).notifications;
    expect(network.allow).toHaveLength(5);
    expect(network.deny).toEqual(['x.test']);
  });

  it('is read from REGISTRY_NOTIFICATIONS_NETWORK_* as well', () => {
    const env = { REGISTRY_NOTIFICATIONS_NETWORK_ALLOW: '192.168.0.0/16' };
    expect(loadConfig({ argv: [], env }).notifications.network.allow).toEqual(['192.168.0.0/16']);
  });

  it.each([
    ['10.0.0.0/33', 'notifications.network.allow: 10.0.0.0/33: prefix must be 0..32'],
    ['fd00::/129', 'notifications.network.allow: fd00::/129: prefix must be 0..128'],
    ['10.0.0/8', 'notifications.network.allow: 10.0.0/8: not a CIDR (address/prefix)'],
    ['bad host!', 'notifications.network.allow: bad host!: not an address or host name'],
  ])('refuses %s, naming the key', (entry, message) => {
    expect(refusal({ ...base, notifications: { network: { allow: [entry] } } })).toBe(message);
  });

  it('refuses an unknown key under it with a did-you-mean', () => {
    expect(refusal({ ...base, notifications: { network: { alow: ['10.0.0.0/8'] } } })).toMatch(
      /notifications\.network\.alow: unknown key \(did you mean allow\?\)/,
    );
  });
});
