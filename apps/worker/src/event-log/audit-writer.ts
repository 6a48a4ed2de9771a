import { GroupCommit } from '@app/async';
import { adminRow, eventRow, type AuditRow, type AuditStore } from '@app/audit';
import type { EventLogJob } from '@app/queue';

/** Rows per transaction at most (several jobs' worth: the worker takes jobs side by side). */
const MAX_ROWS = 2_000;

/**
 * Writes the event-log queue's jobs into the audit store in batches: the rows of the jobs in hand meanwhile
 * share one transaction (group commit). A write resolves once its rows are committed, or were already there.
 */
export class AuditWriter {
  private readonly commits: GroupCommit<AuditRow>;

  constructor(store: AuditStore) {
    this.commits = new GroupCommit(async (rows) => void (await store.insert(rows)), MAX_ROWS);
  }

  write(job: EventLogJob): Promise<void> {
    return this.commits.add([...job.events.map(eventRow), ...(job.actions ?? []).map(adminRow)]);
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }
}
