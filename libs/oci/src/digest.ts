import { createHash } from 'node:crypto';

/** Digest algorithms we accept, with the length of their hex encoding. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses `algorithm:hex`; undefined when malformed or of an algorithm we do not support. */
export function parseDigest(digest: string): ParsedDigest | undefined {
  const match = DIGEST_GRAMMAR.exec(digest);
  if (!match) return undefined;
  const algorithm = match[1] as DigestAlgorithm;
  const length = DIGEST_ALGORITHMS[algorithm];
  if (!length || match[2].length !== length || !/^[a-f0-9]+$/.test(match[2])) return undefined;
  return { algorithm, hex: match[2] };
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

export function digestOf(content: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}
