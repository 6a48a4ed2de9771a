import { RegistryError } from '../errors/index.js';

/** One page of a lexically sorted list: entries after `last`, at most `n`, and whether more follow. */
export interface Page<T> {
  entries: T[];
  /** Set when entries remain after this page: the `n` and `last` of the next request. */
  next?: { n: number; last: string };
}

/** Takes `n` entries after `last` from `sorted`; `n` undefined means all. */
export function paginate(sorted: readonly string[], n: number | undefined, last: string | undefined): Page<string> {
  const after = last === undefined || last === '' ? sorted : sorted.filter((entry) => entry > last);
  if (n === undefined || after.length <= n) return { entries: [...after] };
  const entries = after.slice(0, n);
  return n === 0 ? { entries } : { entries, next: { n, last: entries[n - 1] } };
}

/**
 * The `n` query value: absent or empty gives undefined; anything but a non-negative integer no larger than
 * `max` is PAGINATION_NUMBER_INVALID (400), as distribution answers.
 */
export function parsePageSize(value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > max)
    throw new RegistryError('PAGINATION_NUMBER_INVALID', undefined, { n: value.slice(0, 50) });
  return n;
}

/** `Link: <path?n=..&last=..>; rel="next"` for the next page. */
export function nextLink(path: string, next: { n: number; last: string }): string {
  return `<${path}?n=${next.n}&last=${encodeURIComponent(next.last)}>; rel="next"`;
}
