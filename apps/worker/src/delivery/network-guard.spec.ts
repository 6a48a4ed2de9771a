import { describe, expect, it } from 'vitest';
import { NetworkGuard } from './network-guard.js';

const guard = new NetworkGuard();
const refused = (address: string, origin: 'config' | 'api' = 'config', g = guard, host = address) =>
  g.refusal(host, address, origin);

describe('NetworkGuard', () => {
  it('always denies link-local, cloud metadata, 0.0.0.0/8, broadcast and multicast, whatever the origin', () => {
    const cases: [string, RegExp][] = [
      ['169.254.169.254', /a cloud metadata address/],
      ['fd00:ec2::254', /a cloud metadata address/],
      ['100.100.100.200', /a cloud metadata address/],
      ['169.254.10.1', /link-local/],
      ['fe80::1', /link-local/],
      ['0.0.0.0', /0\.0\.0\.0\/8/],
      ['0.1.2.3', /0\.0\.0\.0\/8/],
      ['::', /unspecified/],
      ['255.255.255.255', /broadcast/],
      ['224.0.0.1', /multicast/],
      ['239.255.255.250', /multicast/],
      ['ff02::1', /multicast/],
    ];
    for (const [address, why] of cases) {
      for (const origin of ['config', 'api'] as const) {
        expect(refused(address, origin), `${address} ${origin}`).toMatch(why);
        expect(refused(address, origin)).toMatch(/^refused by notifications\.network: .*always denied unless allowed/);
      }
    }
  });

  it('sees through IPv4-mapped, IPv4-compatible and NAT64 IPv6 forms, bracketed or not', () => {
    for (const form of [
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:a9fe:a9fe',
      '[::ffff:169.254.169.254]',
      '::FFFF:A9FE:A9FE',
      '::169.254.169.254',
      '64:ff9b::169.254.169.254',
      '64:ff9b::a9fe:a9fe',
    ]) {
      expect(refused(form), form).toMatch(/a cloud metadata address/);
    }
    for (const form of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:c0a8:101']) {
      expect(refused(form, 'api'), form).toMatch(/denied for endpoints created through the API/);
      expect(refused(form, 'config'), form).toBeUndefined();
    }
  });

  it('allows loopback and private ranges for config-file endpoints and denies them for API-created ones', () => {
    for (const address of ['127.0.0.1', '127.8.9.1', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.255']) {
      expect(refused(address, 'config'), address).toBeUndefined();
      expect(refused(address, 'api'), address).toMatch(
        /(loopback|private).*denied for endpoints created through the API/,
      );
    }
    for (const address of ['192.168.1.1', '100.64.0.1', 'fd12:3456::1', 'fc00::1']) {
      expect(refused(address, 'config'), address).toBeUndefined();
      expect(refused(address, 'api'), address).toMatch(/private/);
    }
    for (const address of ['93.184.216.34', '172.32.0.1', '2606:4700::1111', '::ffff:93.184.216.34']) {
      expect(refused(address, 'api'), address).toBeUndefined();
    }
  });

  it('names the host beside the address it resolved to', () => {
    expect(guard.refusal('metadata.test', '169.254.169.254', 'config')).toBe(
      'refused by notifications.network: 169.254.169.254 (metadata.test) is a cloud metadata address: ' +
        'always denied unless allowed',
    );
    expect(refused('::ffff:7f00:1', 'api')).toMatch(/::ffff:7f00:1 is loopback: denied for endpoints created/);
    expect(refused('::127.0.0.1', 'api')).toMatch(/::127\.0\.0\.1 is loopback \(as 127\.0\.0\.1\): denied/);
  });

  it('allow lifts the built-in denials, by CIDR or by host name', () => {
    const allowing = new NetworkGuard({ allow: ['127.0.0.0/8', 'metadata.internal', '*.corp.example'], deny: [] });
    expect(refused('127.0.0.1', 'api', allowing)).toBeUndefined();
    expect(refused('::ffff:127.0.0.1', 'api', allowing)).toBeUndefined();
    expect(refused('10.0.0.1', 'api', allowing)).toMatch(/private/);
    expect(allowing.refusal('metadata.internal', '169.254.169.254', 'api')).toBeUndefined();
    expect(allowing.refusal('METADATA.internal.', '169.254.169.254', 'api')).toBeUndefined();
    expect(allowing.refusal('hooks.corp.example', '10.0.0.1', 'api')).toBeUndefined();
    expect(allowing.refusal('corp.example', '10.0.0.1', 'api')).toMatch(/private/);
    expect(allowing.refusal('other.test', '169.254.169.254', 'api')).toMatch(/metadata/);
  });

  it('deny refuses more, by CIDR or host name; a denied name wins over an allowed address', () => {
    const denying = new NetworkGuard({ allow: ['10.0.0.0/8'], deny: ['10.9.0.0/16', '*.evil.example', 'bad.test'] });
    expect(refused('10.1.0.1', 'api', denying)).toBeUndefined();
    expect(refused('10.9.0.1', 'config', denying)).toMatch(
      /is in 10\.9\.0\.0\/16, denied by notifications\.network\.deny/,
    );
    expect(refused('::ffff:10.9.0.1', 'config', denying)).toMatch(/10\.9\.0\.0\/16/);
    expect(denying.refusal('x.evil.example', '93.184.216.34', 'config')).toMatch(/denied by name/);
    expect(denying.refusal('bad.test', '10.1.0.1', 'config')).toMatch(/denied by name/);
    expect(denying.refusal('notbad.test', '93.184.216.34', 'config')).toBeUndefined();
  });

  it('refuses what is not an address', () => {
    expect(refused('not-an-ip')).toMatch(/is not an IP address/);
    expect(refused('')).toMatch(/is not an IP address/);
  });
});
