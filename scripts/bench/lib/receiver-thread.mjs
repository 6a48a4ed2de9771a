// The webhook receiver, on its own thread so that the load the benchmark generates on the main thread
// does not delay it. Answers 200 at once; records per action the arrival time (process.hrtime, which
// is one monotonic clock for every thread) of each event, and the tags of manifest pushes.
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';

let counts = {};
let first = 0n;
let last = 0n;
let requests = 0;
const tagWaiters = new Map();
const countWaiters = [];
const seenTags = new Map();

function record(event, at) {
  const action = event.action ?? 'unknown';
  counts[action] = (counts[action] ?? 0) + 1;
  if (first === 0n) first = at;
  last = at;
  const tag = event.target?.tag;
  if (action === 'push' && tag) {
    seenTags.set(tag, at);
    tagWaiters.get(tag)?.(at);
  }
}

function settleCountWaiters() {
  for (let i = countWaiters.length - 1; i >= 0; i--) {
    const waiter = countWaiters[i];
    if ((counts[waiter.action] ?? 0) >= waiter.n) {
      countWaiters.splice(i, 1);
      parentPort.postMessage({ id: waiter.id, count: counts[waiter.action], at: last });
    }
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const at = process.hrtime.bigint();
    res.writeHead(200).end();
    requests++;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      for (const event of body.events ?? [body.data ?? body]) record(event, at);
    } catch {
      counts.invalid = (counts.invalid ?? 0) + 1;
    }
    settleCountWaiters();
  });
});
server.keepAliveTimeout = 60_000;

const commands = {
  listen: ({ port }) =>
    new Promise((resolve) => server.listen(port ?? 0, '127.0.0.1', () => resolve({ port: server.address().port }))),
  close: () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve({}));
    }),
  reset: () => {
    counts = {};
    first = last = 0n;
    requests = 0;
    seenTags.clear();
    return {};
  },
  stats: () => ({ counts: { ...counts }, first, last, requests }),
  waitTag: ({ tag }) =>
    seenTags.has(tag)
      ? { at: seenTags.get(tag) }
      : new Promise((resolve) => tagWaiters.set(tag, (at) => (tagWaiters.delete(tag), resolve({ at })))),
};

parentPort.on('message', async (message) => {
  if (message.cmd === 'waitCount') {
    countWaiters.push({ id: message.id, action: message.action, n: message.n });
    return settleCountWaiters();
  }
  const result = await commands[message.cmd](message);
  parentPort.postMessage({ id: message.id, ...result });
});
