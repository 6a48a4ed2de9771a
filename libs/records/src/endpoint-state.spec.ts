import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, testRedisClient, testRedisConfig } from '@app/testing';
import { EndpointStateStore, transition } from './endpoint-state.js';

const config = testRedisConfig();
const prefix = config.redis.prefix;
const redis = testRedisClient(config);
const states = new EndpointStateStore(redis, prefix);
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
const failed = { status: 500, error: 'HTTP 500' };

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('EndpointStateStore', () => {
  it('is healthy with no failures before any attempt', async () => {
    expect(await states.get('fresh')).toEqual({ state: 'healthy', consecutiveFailures: 0 });
  });

  it('records a success: healthy since then, last status and success time', async () => {
    expect(await states.recordSuccess('ok', 204, at(1))).toEqual({
      becameFailing: false,
      recovered: false,
      consecutiveFailures: 0,
    });
    const iso = at(1).toISOString();
    expect(await states.get('ok')).toEqual({
      state: 'healthy',
      consecutiveFailures: 0,
      stateSince: iso,
      lastAttemptAt: iso,
      lastSuccessAt: iso,
      lastStatus: 204,
    });
  });

  it('crosses into failing once, at the threshold, and recovers once, on the next success', async () => {
    const first = await states.recordFailure('flaky', 3, failed, at(1));
    expect(first).toEqual({ becameFailing: false, recovered: false, consecutiveFailures: 1 });
    expect(await states.get('flaky')).toMatchObject({
      state: 'healthy',
      stateSince: at(1).toISOString(),
      lastError: 'HTTP 500',
    });
    await states.recordFailure('flaky', 3, failed, at(2));
    expect((await states.recordFailure('flaky', 3, failed, at(3))).becameFailing).toBe(true);
    expect((await states.recordFailure('flaky', 3, { error: 'connection refused' }, at(4))).becameFailing).toBe(false);
    const failing = await states.get('flaky');
    expect(failing).toMatchObject({ state: 'failing', consecutiveFailures: 4, stateSince: at(3).toISOString() });
    expect(failing).toMatchObject({ lastError: 'connection refused', lastAttemptAt: at(4).toISOString() });
    expect(failing.lastStatus).toBeUndefined();

    expect(await states.recordSuccess('flaky', 200, at(5))).toEqual({
      becameFailing: false,
      recovered: true,
      consecutiveFailures: 4,
    });
    expect((await states.recordSuccess('flaky', 200, at(6))).recovered).toBe(false);
    const healthy = await states.get('flaky');
    expect(healthy).toMatchObject({
      state: 'healthy',
      consecutiveFailures: 0,
      stateSince: at(5).toISOString(),
      lastStatus: 200,
    });
    expect(healthy.lastError).toBeUndefined();
  });

  it('sees one transition among concurrent attempts', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => states.recordFailure('busy', 5, failed)));
    expect(results.filter((result) => result.becameFailing)).toHaveLength(1);
    expect(results.map((result) => result.consecutiveFailures).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const recoveries = await Promise.all(Array.from({ length: 5 }, () => states.recordSuccess('busy', 200)));
    expect(recoveries.filter((result) => result.recovered)).toHaveLength(1);
  });

  it('disables with a reason, stays disabled through attempts, and enables again', async () => {
    await states.recordFailure('gone', 1, { status: 410 }, at(1));
    expect(await states.disable('gone', 'endpoint answered 410 Gone', at(2))).toBe(true);
    expect(await states.disable('gone', 'again', at(3))).toBe(false);
    await states.recordFailure('gone', 1, failed, at(4));
    await states.recordSuccess('gone', 200, at(5));
    const disabled = await states.get('gone');
    expect(disabled).toMatchObject({
      state: 'disabled',
      stateSince: at(2).toISOString(),
      disabledReason: 'endpoint answered 410 Gone',
    });
    expect(await states.enable('gone', at(6))).toBe(true);
    expect(await states.enable('gone', at(7))).toBe(false);
    const enabled = await states.get('gone');
    expect(enabled).toMatchObject({ state: 'healthy', consecutiveFailures: 0, stateSince: at(6).toISOString() });
    expect(enabled.disabledReason).toBeUndefined();
  });

  it('queues its scripts into a caller MULTI, read back with transition()', async () => {
    const tx = redis.multi();
    states.queueFailure(tx, 'queued', 1, failed, at(1));
    states.queueSuccess(tx, 'queued', 200, at(2));
    const [failure, success] = (await tx.exec())!;
    expect(transition(failure, 'failure')).toEqual({ becameFailing: true, recovered: false, consecutiveFailures: 1 });
    expect(transition(success, 'success')).toEqual({ becameFailing: false, recovered: true, consecutiveFailures: 1 });
    expect(() => transition([new Error('ERR script'), null], 'success')).toThrow('ERR script');
    expect(() => transition(undefined, 'failure')).toThrow('no reply');
  });
});
