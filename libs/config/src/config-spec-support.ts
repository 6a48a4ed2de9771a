import { ConfigError, fromObject } from './load-config.js';

/** The least config that loads, and one endpoint to extend in the specs of this library. */
export const base = { version: '0.1', storage: { inmemory: {} } };
export const endpoint = { name: 'hook', url: 'http://127.0.0.1:9/events' };

export const withEndpoint = (fields: Record<string, unknown>) => ({
  ...base,
  notifications: { endpoints: [{ ...endpoint, ...fields }] },
});

/** The ConfigError message a config is refused with (throws when it loads). */
export function refusal(raw: Record<string, unknown>): string {
  try {
    fromObject(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loaded');
}
