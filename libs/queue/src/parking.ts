/**
 * Parking: while an endpoint is dead, its new events wait in a plain Redis list instead of becoming BullMQ
 * jobs, so that a dead endpoint costs the registry one RPUSH per group commit, not a job (BullMQ's add is a
 * Lua script writing a job hash, the wait list, a marker and an entry in the queue's event stream, and it
 * wakes the worker).
 *
 *   <prefix>:delivery:<endpoint>:parking   string, set with a TTL by a worker whose circuit breaker for the
 *                                          endpoint is open (refreshed every second, so a crashed worker's
 *                                          flag lapses within PARKING_FLAG_TTL_MS)
 *   <prefix>:delivery:<endpoint>:parked    list of jobs' data (DeliveryJob JSON), appended by the registry while
 *                                          the flag is set
 *   <prefix>:delivery:<endpoint>:unparking string, the lock of the one worker moving parked jobs into the queue
 *
 * The registry rereads the flags every PARKING_READ_MS at most, in the round trip of an enqueue (no extra
 * trip). Once its breaker closes, the worker delivers the parked events straight from the list (those that
 * fail become jobs), or, for an endpoint configured ordered since, moves them into the queue joined in order
 * into jobs of up to 100 (ids from deliveryJobId: a repeated move adds nothing); while the breaker is open it
 * moves one entry at a time in when the queue has no job left to probe the endpoint with (see apps/worker/src/
 * delivery/endpoint-parking.ts). Only unordered endpoints park: parked events arrive after newer ones.
 */

/** A worker's flag lapses this long after its last refresh. */
export const PARKING_FLAG_TTL_MS = 10_000;
/** How often the worker refreshes its flag and looks for parked jobs to move (and at once when its breaker opens or closes). */
export const PARKING_CHECK_MS = 1_000;
/** How often, at most, the registry rereads the flags (an MGET in an enqueue's round trip). */
export const PARKING_READ_MS = 250;
