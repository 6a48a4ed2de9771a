import { describe, expect, it } from 'vitest';
import { startRegistry } from '../support/index.js';

describe('storage.gc at start', () => {
  it('stops the registry with exit code 1 when online collection has no Redis for its lock', async () => {
    const storage = { inmemory: {}, gc: { enabled: true } };
    await expect(startRegistry({ config: { storage } })).rejects.toThrow(
      /exited with code 1[\s\S]*storage\.gc\.enabled: needs redis\.addr/,
    );
  });
});
