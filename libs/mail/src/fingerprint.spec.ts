import { describe, expect, it } from 'vitest';
import { fingerprint, normalizeMessage, topStackFrame } from './fingerprint.js';

describe('normalizeMessage', () => {
  it('removes uuids, digests, hex ids and numbers (also inside paths)', () => {
    expect(normalizeMessage('upload 3f2a9c1e-0b7d-4e5f-9a8b-112233445566 failed after 1532 ms')).toBe(
      'upload <uuid> failed after <n> ms',
    );
    expect(normalizeMessage(`blob sha256:${'ab'.repeat(32)} missing`)).toBe('blob <digest> missing');
    expect(normalizeMessage('job 5f1c0e9a7b3d failed')).toBe('job <hex> failed');
    expect(normalizeMessage('ENOENT: /data/_uploads/17/data')).toBe('ENOENT: /data/_uploads/<n>/data');
  });

  it('keeps words that only look like hex', () => {
    expect(normalizeMessage('decade of bad feed')).toBe('decade of bad feed');
  });
});

describe('fingerprint', () => {
  const stack = 'Error: x\n    at readBlob (/app/dist/storage.js:10:5)\n    at next (/app/dist/x.js:1:1)';

  it('is the same for messages that differ only in volatile parts', () => {
    const a = fingerprint({ level: 'error', errorClass: 'Error', message: 'upload 12 failed', stack });
    const b = fingerprint({ level: 'error', errorClass: 'Error', message: 'upload 9999 failed', stack });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs by level, error class, message words and top frame', () => {
    const base = { level: 'error', errorClass: 'Error', message: 'upload failed', stack };
    const variants = [
      { ...base, level: 'warn' },
      { ...base, errorClass: 'TypeError' },
      { ...base, message: 'download failed' },
      { ...base, stack: stack.replace('readBlob', 'writeBlob') },
    ];
    for (const variant of variants) expect(fingerprint(variant)).not.toBe(fingerprint(base));
  });

  it('takes the top frame without its column', () => {
    expect(topStackFrame(stack)).toBe('at readBlob (/app/dist/storage.js:10)');
    expect(topStackFrame(undefined)).toBe('');
  });
});
