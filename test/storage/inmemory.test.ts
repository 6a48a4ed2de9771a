import { InMemoryDriver } from '@app/storage';
import { driverConformance } from './driver-conformance.js';

driverConformance('inmemory', () => ({ driver: new InMemoryDriver() }));
