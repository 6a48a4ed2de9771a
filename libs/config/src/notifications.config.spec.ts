import { describe, expect, it } from 'vitest';
import { fromObject } from './load-config.js';
import { base, endpoint, refusal, withEndpoint } from './config-spec-support.js';

describe('endpoint ordering', () => {
  it.each([
    [{}, 'repository', false],
    [{ ordered: true }, 'endpoint', true],
    [{ ordered: false }, 'repository', false],
    [{ ordering: 'endpoint' }, 'endpoint', true],
    [{ ordering: 'none' }, 'none', false],
    [{ ordering: 'repository', ordered: false }, 'repository', false],
    [{ ordering: 'endpoint', ordered: true }, 'endpoint', true],
  ])('reads %j as ordering %s (ordered %s)', (fields, ordering, ordered) => {
    const [loaded] = fromObject(withEndpoint(fields)).notifications.endpoints;
    expect(loaded.ordering).toBe(ordering);
    expect(loaded.ordered).toBe(ordered);
  });

  it.each(['none', 'repository'])('refuses ordered: true beside ordering: %s, naming the key', (ordering) => {
    expect(refusal(withEndpoint({ ordered: true, ordering }))).toBe(
      `notifications.endpoints[0].ordering: ${ordering} contradicts ordered: true (ordering: endpoint); keep one`,
    );
  });

  it('refuses an ordering it does not know', () => {
    expect(refusal(withEndpoint({ ordering: 'fifo' }))).toBe(
      'notifications.endpoints[0].ordering: must be one of the following values: repository, endpoint, none',
    );
  });
});

describe('endpoint breaker', () => {
  it('opens after 5 failed attempts unless breaker.threshold says otherwise, whatever alerts.failingafter says', () => {
    const config = fromObject({
      ...base,
      notifications: {
        alerts: { failingafter: 2 },
        endpoints: [endpoint, { ...endpoint, name: 'b', breaker: { threshold: 12 } }],
      },
    });
    expect(config.notifications.alerts.failingafter).toBe(2);
    expect(config.notifications.endpoints.map((loaded) => loaded.breaker.threshold)).toEqual([5, 12]);
  });

  it.each([
    [{ threshold: 0 }, 'notifications.endpoints[0].breaker.threshold: must not be less than 1'],
    [{ threshold: 2.5 }, 'notifications.endpoints[0].breaker.threshold: must be an integer number'],
    [{ treshold: 3 }, 'notifications.endpoints[0].breaker.treshold: unknown key (did you mean threshold?)'],
  ])('refuses breaker %j naming the key', (breaker, message) => {
    expect(refusal(withEndpoint({ breaker }))).toBe(message);
  });
});
