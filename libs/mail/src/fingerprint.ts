import { createHash } from 'node:crypto';

/** What identifies "the same error" for de-duplication. */
export interface FingerprintInput {
  level: string;
  /** Error class name (`TypeError`), or '' for a plain log line. */
  errorClass: string;
  message: string;
  stack?: string;
}

/**
 * The message without its volatile parts (uuids, digests, hex ids, numbers, including the digits inside
 * paths), so that "upload 3f2a... failed after 1532 ms" and "upload 9b1c... failed after 17 ms" are one error.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b(?:sha256|sha384|sha512):[0-9a-f]+/gi, '<digest>')
    .replace(/\b(?:0x)?[0-9a-f]*[a-f][0-9a-f]*\b/gi, (word) => (word.length >= 8 && /\d/.test(word) ? '<hex>' : word))
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first `at ...` line of a stack, without the column (which moves with unrelated edits on the line). */
export function topStackFrame(stack: string | undefined): string {
  const frame = stack?.split('\n').find((line) => line.trim().startsWith('at '));
  return frame ? frame.trim().replace(/:\d+\)?$/, (end) => (end.endsWith(')') ? ')' : '')) : '';
}

/** 16 hex digits of a hash over level, error class, normalized message and top stack frame. */
export function fingerprint({ level, errorClass, message, stack }: FingerprintInput): string {
  return exactFingerprint([level, errorClass, normalizeMessage(message), topStackFrame(stack)]);
}

/** 16 hex digits of a hash over parts taken as they are (names that must not be normalized). */
export function exactFingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
