import { describe, expect, it } from 'vitest';
import { sourceAddr } from './event-source.js';

describe('sourceAddr', () => {
  it("is the hostname with http.addr's port, as distribution sets it", () => {
    expect(sourceAddr('127.0.0.1:5000', 'vm')).toBe('vm:5000');
    expect(sourceAddr(':5000', 'vm')).toBe('vm:5000');
    expect(sourceAddr('[::1]:5443', 'vm')).toBe('vm:5443');
  });

  it('is http.addr itself when it has no port (a unix socket)', () => {
    expect(sourceAddr('/run/registry.sock', 'vm')).toBe('/run/registry.sock');
  });
});
