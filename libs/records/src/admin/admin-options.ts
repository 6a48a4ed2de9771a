import type { SourceRecord } from '@app/events';

/** What the app serving the admin plane tells it (AdminModule.forRoot). */
export abstract class AdminOptions {
  /** `source` of the test events it enqueues: the serving registry's address and instance id. */
  abstract readonly eventSource: SourceRecord;
}
