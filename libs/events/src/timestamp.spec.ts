import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, systemNanoClock } from './timestamp.js';

describe('formatRfc3339Nano', () => {
  it('writes nanoseconds and trims trailing zeros as Go does', () => {
    expect(formatRfc3339Nano(1_795_349_437_939_580_280n)).toBe('2026-11-22T12:10:37.93958028Z');
    expect(formatRfc3339Nano(1_795_349_434_717_108_698n)).toBe('2026-11-22T12:10:34.717108698Z');
    expect(formatRfc3339Nano(1_795_349_434_500_000_000n)).toBe('2026-11-22T12:10:34.5Z');
  });

  it('drops the fraction when it is zero', () => {
    expect(formatRfc3339Nano(1_795_349_434_000_000_000n)).toBe('2026-11-22T12:10:34Z');
  });

  it('keeps leading zeros of the fraction', () => {
    expect(formatRfc3339Nano(1_795_349_434_000_000_001n)).toBe('2026-11-22T12:10:34.000000001Z');
    expect(formatRfc3339Nano(1_795_349_434_012_000_000n)).toBe('2026-11-22T12:10:34.012Z');
  });
});

describe('systemNanoClock', () => {
  it('follows the wall clock and increases between calls', () => {
    const first = systemNanoClock();
    const second = systemNanoClock();
    expect(second).toBeGreaterThan(first);
    const wallNs = BigInt(Date.now()) * 1_000_000n;
    expect(Number((wallNs > first ? wallNs - first : first - wallNs) / 1_000_000n)).toBeLessThan(1_000);
  });
});
