// bench head-blob: HEAD /v2/<name>/blobs/<digest> rate with storage.cache.blobdescriptor off, inmemory
// and redis (a redis-server of the bench's own), and distribution 2.8.2 (inmemory cache) for reference.
// A closed-loop load of CONNECTIONS concurrent clients over undici keep-alive connections (autocannon's
// parser waits for a body after a HEAD answer with Content-Length, so it cannot drive HEAD), loopback,
// same blob, warm-up first. Run `npm run build` first.
// Every registry runs for the whole bench; ROUNDS rounds measure each in turn (order rotated), and the
// report gives the median round, so a busy machine skews all sides alike.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 3),
//   BENCH_SIDES=off,inmemory,redis,distribution
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { startDistribution, startOurs, startRedis, stopAll } from './lib/processes.mjs';
import { table, writeReport } from './lib/report.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIDES = (process.env.BENCH_SIDES ?? 'off,inmemory,redis,distribution').split(',');
const REPOSITORY = 'bench/head';

/** Pushes one blob (POST then PUT ?digest=, which every registry takes) and returns its digest. */
async function pushBlob(url) {
  const content = randomBytes(64 * 1024);
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const started = await fetch(`${url}/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`POST upload: ${started.status} ${await started.text()}`);
  const location = new URL(started.headers.get('location'), url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: content,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
  return digest;
}

/** HEADs `url` from CONNECTIONS concurrent loops for `seconds`; requests/s, latency percentiles, failures. */
async function load(url, seconds) {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const latencies = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const { statusCode, body } = await pool.request({ method: 'HEAD', path: pathname });
      await body.dump();
      latencies.push(performance.now() - started);
      if (statusCode !== 200) failures += 1;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - began) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 1000) / 1000;
  return {
    rps: Math.round(latencies.length / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    requests: latencies.length,
    failures,
  };
}

const starters = {
  off: () => startOurs(),
  inmemory: () => startOurs({ storage: { cache: { blobdescriptor: 'inmemory' } } }),
  redis: async () => {
    const redis = await startRedis();
    return startOurs({ storage: { cache: { blobdescriptor: 'redis' } }, redis: { addr: redis.addr, prefix: 'bench' } });
  },
  distribution: () => startDistribution(),
};

const NAMES = {
  off: 'ours, cache off',
  inmemory: 'ours, cache inmemory',
  redis: 'ours, cache redis',
  distribution: 'distribution 2.8.2 (inmemory)',
};

/** The round with the median rate. */
function median(rounds) {
  return [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)];
}

try {
  const targets = [];
  for (const side of SIDES) {
    const target = await starters[side]();
    const digest = await pushBlob(target.url);
    targets.push({ side, url: `${target.url}/v2/${REPOSITORY}/blobs/${digest}`, rounds: [] });
    await load(targets.at(-1).url, 2);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(k + round) % targets.length];
      process.stdout.write(`head-blob: round ${round + 1}/${ROUNDS}, ${target.side}...\n`);
      target.rounds.push(await load(target.url, SECONDS));
    }
  }
  const results = targets.map((target) => ({
    name: NAMES[target.side],
    ...median(target.rounds),
    rounds: target.rounds.map((r) => r.rps),
  }));
  const rows = results.map((r) => [
    r.name,
    String(r.rps),
    r.rounds.join(' / '),
    `${r.p50} ms`,
    `${r.p99} ms`,
    String(r.failures),
  ]);
  const markdown = [
    `## HEAD blob rate (${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s, one 64 KiB blob, filesystem storage)`,
    '',
    table(['registry', 'requests/s (median round)', 'every round', 'p50', 'p99', 'non-200'], rows),
    '',
  ].join('\n');
  writeReport('head-blob', { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, results }, markdown);
} finally {
  await stopAll();
}
