import { randomUUID } from 'node:crypto';

/** Fixed for the life of the process: events' source.instanceID and every log line's `instance`. */
export const instanceId = randomUUID();
