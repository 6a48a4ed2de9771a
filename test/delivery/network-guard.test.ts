import { afterEach, describe, expect, it } from 'vitest';
import { HttpReceiver, waitFor } from '@app/testing';
import { AttemptHistory, DeadLetterStore } from '@app/records';
import { HttpSender, type HttpSenderOptions } from '../../apps/worker/src/delivery/http-sender.js';
import type { Resolver } from '../../apps/worker/src/delivery/guarded-connector.js';
import { closeAfterEach, DeliveryHarness } from './delivery-harness.js';

// The network guard (notifications.network) on real connections: a real receiver on loopback, names resolved
// by a lookup hook (no /etc/hosts, no DNS), literal addresses in every listed form.
let rx: HttpReceiver | undefined;
let harness: DeliveryHarness | undefined;
const senders: HttpSender[] = [];
closeAfterEach(() => [harness, rx]);
afterEach(async () => {
  await Promise.all(senders.splice(0).map((sender) => sender.close()));
});

function sender(url: string, options: Partial<HttpSenderOptions> = {}): HttpSender {
  const made = new HttpSender({
    url,
    headers: {},
    timeout: 2_000,
    connections: 1,
    network: { allow: [], deny: [] },
    origin: 'config',
    ...options,
  });
  senders.push(made);
  return made;
}

/** Resolves every name to the next of `answers` (the last one repeats), counting the lookups. */
function resolverOf(...answers: string[]): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolve = async (hostname: string) => {
    lookups.push(hostname);
    const address = answers[Math.min(lookups.length - 1, answers.length - 1)]!;
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(resolve, { lookups });
}

describe('network guard', () => {
  it('refuses a name that resolves to a denied address, before connecting, with the reason as the error', async () => {
    const resolve = resolverOf('169.254.169.254');
    const result = await sender('http://metadata.test:8080/latest', { resolve }).send('{}', {});
    expect(resolve.lookups).toEqual(['metadata.test']);
    expect(result.status).toBeUndefined();
    expect(result.error).toBe(
      'refused by notifications.network: 169.254.169.254 (metadata.test) is a cloud metadata address: ' +
        'always denied unless allowed',
    );
  });

  it('checks every new connection: a name rebound to a denied address is refused on the next attempt', async () => {
    rx = await HttpReceiver.start();
    rx.responder = (_request, response) => void response.writeHead(200, { connection: 'close' }).end('ok');
    const resolve = resolverOf('127.0.0.1', '169.254.169.254');
    const http = sender(`http://hooks.test:${rx.port}/events`, { resolve });
    expect((await http.send('{}', {})).status).toBe(200);
    const second = await http.send('{}', {});
    expect(second.error).toMatch(/169\.254\.169\.254 \(hooks\.test\) is a cloud metadata address/);
    expect(resolve.lookups).toEqual(['hooks.test', 'hooks.test']);
    expect(rx.requests).toHaveLength(1);
  });

  it('loopback: delivered for a config-file endpoint, refused for an API-created one unless allowed', async () => {
    rx = await HttpReceiver.start();
    const byName = `http://receiver.test:${rx.port}/events`;
    const resolve = resolverOf('127.0.0.1');
    expect((await sender(byName, { resolve }).send('{}', {})).status).toBe(200);
    expect((await sender(rx.url, { origin: 'config' }).send('{}', {})).status).toBe(200);
    const api = await sender(byName, { resolve, origin: 'api' }).send('{}', {});
    expect(api.error).toMatch(
      /127\.0\.0\.1 \(receiver\.test\) is loopback: denied for endpoints created through the API/,
    );
    const literal = await sender(rx.url, { origin: 'api' }).send('{}', {});
    expect(literal.error).toMatch(/^refused by notifications\.network: 127\.0\.0\.1 is loopback/);
    const allowed = { allow: ['127.0.0.0/8'], deny: [] };
    expect((await sender(rx.url, { origin: 'api', network: allowed }).send('{}', {})).status).toBe(200);
    const allowedByName = { allow: ['receiver.test'], deny: [] };
    expect((await sender(byName, { resolve, origin: 'api', network: allowedByName }).send('{}', {})).status).toBe(200);
    expect(rx.requests).toHaveLength(4);
  });

  it('refuses literal addresses in each listed form, IPv4-mapped IPv6 included', async () => {
    for (const [url, origin, why] of [
      ['http://169.254.169.254/latest/meta-data/', 'config', /cloud metadata/],
      ['http://[::ffff:169.254.169.254]/', 'config', /cloud metadata/],
      ['http://[::ffff:a9fe:a9fe]:80/', 'config', /cloud metadata/],
      ['http://[fd00:ec2::254]/', 'config', /cloud metadata/],
      ['http://100.100.100.200/', 'config', /cloud metadata/],
      ['http://[fe80::1]:8080/', 'config', /link-local/],
      ['http://0.0.0.0:6379/', 'config', /0\.0\.0\.0\/8/],
      ['http://224.0.0.251/', 'config', /multicast/],
      ['http://[::ffff:127.0.0.1]:6379/', 'api', /loopback/],
      ['http://10.0.0.1/', 'api', /private/],
      ['https://192.168.0.1/', 'api', /private/],
    ] as const) {
      const result = await sender(url, { origin }).send('{}', {});
      expect(result.error, url).toMatch(/^refused by notifications\.network: /);
      expect(result.error, url).toMatch(why);
    }
  });

  it('deny refuses a config-file endpoint too, by name before any lookup', async () => {
    rx = await HttpReceiver.start();
    const resolve = resolverOf('127.0.0.1');
    const network = { allow: [], deny: ['*.blocked.test', '127.0.0.0/8'] };
    const byName = await sender(`http://a.blocked.test:${rx.port}/`, { resolve, network }).send('{}', {});
    expect(byName.error).toMatch(/denied by name/);
    expect(resolve.lookups).toEqual(['a.blocked.test']);
    const byRange = await sender(rx.url, { network }).send('{}', {});
    expect(byRange.error).toMatch(/is in 127\.0\.0\.0\/8, denied by notifications\.network\.deny/);
    expect(rx.requests).toHaveLength(0);
  });

  it('never follows a redirect, and keeps 4 KiB of the response body', async () => {
    const target = await HttpReceiver.start();
    try {
      rx = await HttpReceiver.start();
      rx.responder = (_request, response) =>
        void response.writeHead(307, { location: target.url }).end('r'.repeat(10_000));
      const result = await sender(rx.url).send('{}', {});
      expect(result.status).toBe(307);
      expect(result.body).toBe('r'.repeat(4096));
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.stop();
    }
  });

  it('a refused attempt is recorded with its reason and dead-lettered like any failure', async () => {
    harness = await DeliveryHarness.start([
      { name: 'meta', url: 'http://[::ffff:169.254.169.254]/latest/meta-data/', schedule: ['10ms'], jitter: 0 },
    ]);
    const event = await harness.enqueue('meta');
    const deadLetters = new DeadLetterStore(harness.redis, harness.prefix);
    await waitFor(async () => (await deadLetters.count('meta')) === 1);
    const [entry] = await deadLetters.list('meta');
    expect(entry.event.id).toBe(event.id);
    expect(entry.attempts).toHaveLength(2);
    for (const attempt of entry.attempts)
      expect(attempt.error).toMatch(/^refused by notifications\.network: .*metadata/);
    const history = new AttemptHistory(harness.redis, harness.prefix, { attempts: 100, maxage: 3_600_000 });
    const outcomes = (await history.list('meta')).attempts.map((attempt) => attempt.outcome);
    expect(outcomes.sort()).toEqual(['gaveup', 'retry']);
    expect(harness.alerts.kinds()).toContain('deadLettered');
  });
});
