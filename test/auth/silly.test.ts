import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RegistryProcess } from '../support/index.js';

describe('auth.silly (development only)', () => {
  let registry: RegistryProcess;
  beforeAll(async () => {
    registry = await startRegistry({
      config: {
        log: { level: 'info' },
        auth: { silly: { realm: 'http://auth.local/token', service: 'silly-service' } },
      },
    });
  });
  afterAll(() => registry?.dispose());

  it('warns loudly at start', async () => {
    await registry.waitForOutput('auth.silly is ON');
    expect(registry.output).toMatch(/"level":"warn".*auth\.silly is ON.*development only/);
  });

  it('challenges a request without Authorization and lets any Authorization in', async () => {
    const refused = await fetch(`${registry.url}/v2/team/app/tags/list`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="http://auth.local/token",service="silly-service",scope="repository:team/app:pull"',
    );
    const let_in = await fetch(`${registry.url}/v2/`, { headers: { authorization: 'Bearer anything' } });
    expect(let_in.status).toBe(200);
  });
});
