import { describe, expect, it } from 'vitest';
import { ConfigError, fromObject } from './load-config.js';

const base = { version: '0.1', storage: { inmemory: {} } };
const refusal = (audit: unknown) => {
  try {
    fromObject({ ...base, audit });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loaded');
};

describe('audit config', () => {
  it('defaults to SQLite with a year of retention', () => {
    const { audit } = fromObject(base);
    expect(audit).toMatchObject({ retention: 8760 * 3_600_000 });
    expect(audit.postgres).toBeUndefined();
    expect(audit.path).toBeUndefined();
  });

  it('reads retention as a duration, and PostgreSQL with its schema', () => {
    const url = 'postgres://u:p@db:5432/registry';
    const { audit } = fromObject({ ...base, audit: { retention: '720h', postgres: { url, schema: 'audit_1' } } });
    expect(audit).toMatchObject({ retention: 720 * 3_600_000, postgres: { url, schema: 'audit_1' } });
    expect(fromObject({ ...base, audit: { postgres: { url } } }).audit.postgres?.schema).toBe('public');
  });

  it('refuses unknown keys with the nearest one, bad durations and schemas, a PostgreSQL without url', () => {
    expect(refusal({ retension: '1h' })).toMatch(/audit\.retension: unknown key \(did you mean retention\?\)/);
    expect(refusal({ retention: 'a year' })).toMatch(/audit\.retention/);
    expect(refusal({ postgres: { url: 'postgres://db/x', schema: 'Robert"); drop' } })).toMatch(/schema/);
    expect(refusal({ postgres: {} })).toMatch(/audit\.postgres\.url/);
  });
});
