import { describe, expect, it } from 'vitest';
import { fromObject } from './load-config.js';

const storage = (gc: Record<string, unknown>) => ({ version: '0.1', storage: { inmemory: {}, gc } });

describe('storage.gc', () => {
  it('defaults to off, a 24h interval and a 1h grace period', () => {
    expect({ ...fromObject({ version: '0.1', storage: { inmemory: {} } }).storage.gc }).toEqual({
      enabled: false,
      interval: 24 * 3_600_000,
      graceperiod: 3_600_000,
    });
  });

  it('takes Go durations', () => {
    const { gc } = fromObject(storage({ enabled: true, interval: '90m', graceperiod: '30s' })).storage;
    expect({ ...gc }).toEqual({ enabled: true, interval: 90 * 60_000, graceperiod: 30_000 });
  });

  it('names an unknown key with the nearest known one', () => {
    expect(() => fromObject(storage({ graceperoid: '1h' }))).toThrow(/graceperoid.*did you mean graceperiod/);
  });

  it('refuses a grace period that is not a duration', () => {
    expect(() => fromObject(storage({ graceperiod: 'soon' }))).toThrow(/graceperiod/);
  });
});
