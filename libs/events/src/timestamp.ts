/**
 * Event timestamps as distribution writes them: RFC 3339 in UTC with nanoseconds, trailing zeros of the
 * fraction trimmed (Go's time.RFC3339Nano), e.g. `2026-11-22T12:10:37.93958028Z`.
 */

/** Nanoseconds since the Unix epoch. Tests pass their own clock. */
export type NanoClock = () => bigint;

const NS_PER_MS = 1_000_000n;
/** Re-anchor on the wall clock when the monotonic clock has drifted more than this from it. */
const MAX_DRIFT_NS = 1_000n * NS_PER_MS;

let anchorNs = BigInt(Date.now()) * NS_PER_MS - process.hrtime.bigint();

/**
 * Wall-clock time with nanosecond digits: the wall clock's milliseconds anchor the monotonic high-resolution
 * clock, so consecutive events of one process have increasing timestamps.
 */
export const systemNanoClock: NanoClock = () => {
  const now = anchorNs + process.hrtime.bigint();
  const wall = BigInt(Date.now()) * NS_PER_MS;
  const drift = now > wall ? now - wall : wall - now;
  if (drift <= MAX_DRIFT_NS) return now;
  anchorNs = wall - process.hrtime.bigint();
  return wall;
};

/** Formats nanoseconds since the epoch as Go's RFC3339Nano in UTC. */
export function formatRfc3339Nano(epochNs: bigint): string {
  const ms = epochNs / NS_PER_MS;
  const subMsNs = epochNs % NS_PER_MS;
  const seconds = new Date(Number(ms)).toISOString().slice(0, 19);
  const nanos = (ms % 1000n) * NS_PER_MS + subMsNs;
  if (nanos === 0n) return `${seconds}Z`;
  const fraction = nanos.toString().padStart(9, '0').replace(/0+$/, '');
  return `${seconds}.${fraction}Z`;
}
