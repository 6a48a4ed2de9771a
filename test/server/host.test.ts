import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RegistryProcess } from '../support/index.js';

async function uploadLocation(registry: RegistryProcess, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${registry.url}/v2/host/app/blobs/uploads/`, { method: 'POST', headers });
  expect(response.status).toBe(202);
  return response.headers.get('location')!;
}

describe('absolute URLs: http.host, X-Forwarded-Proto/Host', () => {
  let plain: RegistryProcess;
  let hosted: RegistryProcess;
  beforeAll(async () => {
    [plain, hosted] = await Promise.all([
      startRegistry(),
      startRegistry({ config: { http: { host: 'https://registry.example.com:8443' } } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.dispose(), hosted?.dispose()]);
  });

  it('uses the host the client asked for by default', async () => {
    expect(await uploadLocation(plain)).toMatch(
      new RegExp(`^http://${plain.addr.replace(/\./g, '\\.')}/v2/host/app/blobs/uploads/[\\w-]+$`),
    );
  });

  it('honours X-Forwarded-Proto and X-Forwarded-Host from a proxy', async () => {
    const location = await uploadLocation(plain, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'public.example.org',
    });
    expect(location).toMatch(/^https:\/\/public\.example\.org\/v2\/host\/app\/blobs\/uploads\/[\w-]+$/);
  });

  it('uses http.host whatever the request says', async () => {
    const location = await uploadLocation(hosted, {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'elsewhere.example',
    });
    expect(location).toMatch(/^https:\/\/registry\.example\.com:8443\/v2\/host\/app\/blobs\/uploads\/[\w-]+$/);
  });
});
