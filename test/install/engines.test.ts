import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/index.js';

type Version = [number, number, number];

/** `20`, `20.1`, `20.x`, `20.1.2` (a pre-release tag ignored): the version and how many parts were given. */
function parse(text: string): { version: Version; parts: number } {
  const parts = text
    .replace(/^v/, '')
    .split('-')[0]!
    .split('.')
    .filter((part) => part !== 'x' && part !== '*');
  const numbers = parts.map(Number);
  return { version: [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0], parts: parts.length };
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of a node-semver range (`>=20`, `^18.18.0`, `~20.1`, `20`, `*`) against `version`. */
function satisfiesOne(comparator: string, version: Version): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(comparator)!;
  const [operator, target] = [match[1] ?? '', match[2]!];
  if (target === '' || target === '*' || target === 'x') return true;
  const { version: base, parts } = parse(target);
  const order = compare(version, base);
  const below = (upper: Version) => compare(version, upper) < 0;
  switch (operator) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '^':
      return order >= 0 && below(base[0] > 0 ? [base[0] + 1, 0, 0] : [0, base[1] + 1, 0]);
    case '~':
      return order >= 0 && below(parts >= 2 ? [base[0], base[1] + 1, 0] : [base[0] + 1, 0, 0]);
    default:
      if (parts === 3) return order === 0;
      return order >= 0 && below(parts === 2 ? [base[0], base[1] + 1, 0] : [base[0] + 1, 0, 0]);
  }
}

/** node-semver's `satisfies` for the forms engines fields use: `||` of space-separated comparators. */
export function satisfies(range: string, version: string): boolean {
  const parsed = parse(version).version;
  return range
    .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
    .split('||')
    .some((alternative) => {
      const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alternative);
      const comparators = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : alternative.trim().split(/\s+/);
      return comparators.every((comparator) => satisfiesOne(comparator, parsed));
    });
}

// `npm ci` on Node 20 (package.json's engines: >=20) prints no engine warning: every installed package admits it.
describe('dependencies and Node 20', () => {
  it('the range check reads the forms engines fields use', () => {
    for (const [range, ok] of [
      ['>=20', true],
      ['>=22', false],
      ['18 || 20 || >=22', true],
      ['^18.18.0 || ^20.9.0 || >=21.1.0', true],
      ['^20.19.0 || >=22.12.0', true],
      ['>=20.20.0', false],
      ['~20.1', false],
      ['20.x', true],
      ['*', true],
      ['>= 14.17', true],
      ['12 - 21', true],
    ] as const) {
      expect(satisfies(range, '20.19.0'), range).toBe(ok);
    }
  });

  it('every package in package-lock.json admits Node 20.19', () => {
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path, meta]) => path !== '' && !Array.isArray(meta.engines) && meta.engines?.node !== undefined)
      .filter(([, meta]) => !satisfies((meta.engines as { node: string }).node, '20.19.0'))
      .map(([path, meta]) => `${path}@${meta.version}: node ${(meta.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
