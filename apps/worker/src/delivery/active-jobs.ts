/**
 * Upper bound on active jobs. BullMQ keeps active jobs in a list, and every job finished is removed from it
 * by a scan, so a long active list costs Redis time per job (measured: 1600 active jobs drained at 60–70 % of
 * the rate of 200).
 */
const MAX_ACTIVE_JOBS = 1_000;
/** Weight of the newest job in the running mean of events per job. */
const WEIGHT = 0.2;

/**
 * How many jobs the worker keeps active at once for an unordered endpoint (BullMQ's `concurrency`). Enough
 * events in hand for every connection to carry a full envelope and one more to fill, (`concurrency` + 1) ×
 * `batch.size`, given the events per job seen lately (a running mean); never fewer than `concurrency` jobs,
 * never more than two envelopes' worth of one-event jobs (2 × `batch.size`, at most MAX_ACTIVE_JOBS).
 *
 * Why it follows the jobs' size: BullMQ's worker, when it finds a queue full of jobs, takes up to
 * `concurrency` of them one by one before it starts processing any. Jobs of one group commit hold 1 to 16
 * events; jobs moved in from parking (a disabled endpoint's, once enabled again) hold 100, and 200 of those
 * (a 20,000-event backlog) were all taken, one Redis call each, before the first was sent. EndpointParking
 * says what it moves in (`expect`) because the worker only sees jobs' sizes (`observe`) once it processes them.
 */
export class ActiveJobs {
  private eventsPerJob = 1;
  private readonly least: number;
  private readonly most: number;
  private readonly eventsInHand: number;

  constructor(endpoint: { concurrency: number; batch: { size: number } }) {
    this.least = endpoint.concurrency;
    this.most = Math.min(MAX_ACTIVE_JOBS, Math.max(endpoint.concurrency, 2 * endpoint.batch.size));
    this.eventsInHand = (endpoint.concurrency + 1) * endpoint.batch.size;
  }

  /** The number of jobs to keep active now. */
  get count(): number {
    return Math.min(this.most, Math.max(this.least, Math.ceil(this.eventsInHand / this.eventsPerJob)));
  }

  /** A job of `events` events is being processed; returns the new count. */
  observe(events: number): number {
    this.eventsPerJob += WEIGHT * (Math.max(1, events) - this.eventsPerJob);
    return this.count;
  }

  /** Jobs of `events` events are being added (a backlog moved in): the count follows at once; returns it. */
  expect(events: number): number {
    this.eventsPerJob = Math.max(1, events);
    return this.count;
  }
}
