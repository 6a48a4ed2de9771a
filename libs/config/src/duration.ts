/**
 * Go-style durations as distribution's config uses them ("500ms", "1s", "2m30s", "1h"). A bare number is
 * taken as nanoseconds, as Go's yaml decoding of time.Duration does; we return milliseconds.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value / 1e6;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) / 1e6;
  if (text === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed = PART.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) throw new Error(`invalid duration "${value}"`);
  return total;
}

export function isDuration(value: unknown): boolean {
  if (typeof value === 'number') return value >= 0;
  if (typeof value !== 'string') return false;
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}
