import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { digestOf, isRepositoryName, isTag, parseDigest } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { digestParam, repositoryName } from '../http/validation.js';
import { parseExistingReference, parseReference, parseTagQuery } from './manifest-reference.js';

/** Runs `call`: its value, or the RegistryError code it threw; anything else thrown fails the property. */
function outcome<T>(call: () => T): { value: T } | { code: string } {
  try {
    return { value: call() };
  } catch (error) {
    if (error instanceof RegistryError) return { code: error.code };
    throw error;
  }
}

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const component = fc
  .array(
    fc.tuple(fc.constantFrom('', '.', '_', '__', '-', '--'), fc.string({ unit: alnum, minLength: 1, maxLength: 5 })),
    {
      maxLength: 3,
    },
  )
  .chain((parts) =>
    fc
      .string({ unit: alnum, minLength: 1, maxLength: 6 })
      .map((head) => head + parts.map(([sep, word]) => (sep === '' ? word : sep + word)).join('')),
  );
/** Names the spec's grammar makes: components joined by '/'. */
const validName = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const tagChar = fc.constantFrom(...'abcXYZ019_.-');
const validTag = fc
  .tuple(fc.constantFrom(...'aZ9_'), fc.string({ unit: tagChar, maxLength: 127 }))
  .map(([first, rest]) => first + rest);
/** Strings near the grammars' edges: their characters, digests' prefixes, separators, traversal. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom(...'aZ09:._-/%\\\u0000 sha256512') }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '.',
    '..',
    '../x',
    'sha256:',
    'sha512:',
    'md5:abc',
    ':',
    '__proto__',
    'constructor',
    'toString:1',
  ),
);

describe('reference grammar (property)', () => {
  it('every name and tag the grammar makes is accepted', () => {
    fc.assert(
      fc.property(validName, (name) => {
        if (name.length <= 255) expect(isRepositoryName(name)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(validTag, (tag) => {
        expect(isTag(tag)).toBe(true);
        expect(parseReference(tag)).toEqual({ tag });
      }),
    );
  });

  it('any input is a reference or the spec error (TAG_INVALID, DIGEST_INVALID; MANIFEST_UNKNOWN to read)', () => {
    fc.assert(
      fc.property(nasty, (reference) => {
        const put = outcome(() => parseReference(reference));
        if ('code' in put) expect(['TAG_INVALID', 'DIGEST_INVALID']).toContain(put.code);
        else expect(put.value.tag ?? put.value.digest).toBe(reference);
        const read = outcome(() => parseExistingReference(reference));
        if ('code' in read) expect(['MANIFEST_UNKNOWN', 'DIGEST_INVALID']).toContain(read.code);
        if ('value' in put) expect(read).toEqual(put);
        if ('value' in put && put.value.tag !== undefined) expect(put.value.tag).toMatch(/^[\w][\w.-]{0,127}$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('names: valid or NAME_INVALID; an accepted name never holds an empty, dot or traversal segment', () => {
    fc.assert(
      fc.property(fc.oneof(nasty, validName), (name) => {
        const result = outcome(() => repositoryName(name));
        if ('code' in result) {
          expect(result.code).toBe('NAME_INVALID');
          return;
        }
        for (const segment of result.value.split('/')) expect(['', '.', '..']).not.toContain(segment);
      }),
      { numRuns: 2000 },
    );
  });

  it('?tag= values: each a valid tag or TAG_INVALID, whatever the query parser made of them', () => {
    const value = fc.oneof(fc.constant(undefined), nasty, validTag, fc.array(fc.oneof(nasty, validTag)), fc.object());
    fc.assert(
      fc.property(value, (query) => {
        const result = outcome(() => parseTagQuery(query));
        if ('code' in result) expect(result.code).toBe('TAG_INVALID');
        else for (const tag of result.value) expect(isTag(tag)).toBe(true);
      }),
    );
  });
});

describe('digests (property)', () => {
  it('any content digested with sha256 or sha512 parses back to its algorithm and hex', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('sha256', 'sha512' as const),
        (bytes, algorithm) => {
          const digest = digestOf(Buffer.from(bytes), algorithm);
          const parsed = parseDigest(digest);
          expect(parsed?.algorithm).toBe(algorithm);
          expect(parsed?.hex).toHaveLength(algorithm === 'sha256' ? 64 : 128);
          expect(digestParam(digest)).toBe(digest);
        },
      ),
    );
  });

  it('any string: a supported digest or DIGEST_INVALID; parseDigest never throws', () => {
    const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF=_-'), maxLength: 130 });
    const candidate = fc.oneof(
      nasty,
      fc
        .tuple(fc.constantFrom('sha256', 'sha512', 'sha384', 'SHA256', 'md5', 'sha256+b64', '__proto__'), hexish)
        .map(([algorithm, hex]) => `${algorithm}:${hex}`),
    );
    fc.assert(
      fc.property(candidate, (value) => {
        const parsed = parseDigest(value);
        const result = outcome(() => digestParam(value));
        if ('code' in result) {
          expect(result.code).toBe('DIGEST_INVALID');
          expect(parsed).toBeUndefined();
        } else {
          expect(parsed).toBeDefined();
          expect(value).toMatch(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
