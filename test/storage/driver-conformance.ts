import { afterEach, beforeEach, describe } from 'vitest';
import type { StorageDriver } from '@app/storage';
import { contentConformance } from './conformance-content.js';
import { streamConformance } from './conformance-streams.js';
import { treeConformance } from './conformance-tree.js';
import { concurrencyConformance } from './conformance-concurrency.js';

/** A fresh, empty driver for one test, and how to dispose of it. */
export interface DriverFixture {
  driver: StorageDriver;
  teardown?: () => Promise<void> | void;
}

/** Gives each test the driver of the current fixture. */
export type DriverGetter = () => StorageDriver;

export interface ConformanceOptions {
  /**
   * `keys` for an object store (s3): like distribution's s3 driver it holds keys, not a tree, and putContent
   * does not refuse a file over a directory or below a file (the registry's layout never writes one). Every
   * other test runs the same.
   */
  hierarchy?: 'tree' | 'keys';
}

/**
 * The one conformance suite every StorageDriver passes (distribution's storagedriver/testsuites): the port's
 * contract as observable behaviour. A driver file calls this with a factory of empty drivers.
 */
export function driverConformance(
  name: string,
  factory: () => Promise<DriverFixture> | DriverFixture,
  options: ConformanceOptions = {},
): void {
  describe(`StorageDriver conformance: ${name}`, () => {
    let fixture: DriverFixture | undefined;
    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      await fixture?.teardown?.();
      fixture = undefined;
    });
    const driver: DriverGetter = () => {
      if (!fixture) throw new Error('no driver: used outside a test');
      return fixture.driver;
    };
    contentConformance(driver, options);
    streamConformance(driver);
    treeConformance(driver);
    concurrencyConformance(driver);
  });
}
