// bench proxy: pulls of an image (4 layers, 66 MiB) through a pull-through cache, ours against
// distribution 2.8.2 in proxy mode, both in front of the same upstream (distribution 2.8.2, filesystem).
// Both caches run for the whole bench (a warm-up image pulled through each first). Each round pushes an
// image of fresh content to the upstream, pulls it straight from there (the floor), then through each
// cache twice: first pull (miss), second pull (hit); the cache that goes first alternates. Medians, and
// the CPU each cache process spent per pull (less sensitive than time to a busy host). A pull is what a
// client does: GET the manifest by tag, then every blob at once, bodies hashed and dropped.
//   BENCH_ROUNDS (default 5). Run `npm run build` first.
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { OciLayout } from '../lib/oci-layout.mjs';
import { copy } from './lib/skopeo.mjs';
import { cpuSeconds, startDistribution, startOurs, stopAll, tempDir } from './lib/processes.mjs';
import { table, writeReport } from './lib/report.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MiB = 1 << 20;
const LAYERS = [40 * MiB, 20 * MiB, 5 * MiB, 1 * MiB];
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

/** One pull of library/app:<tag> from `url`; elapsed ms. Fails on a wrong digest. */
async function pull(url, tag) {
  const pool = new Pool(url, { connections: 8 });
  const started = performance.now();
  try {
    const path = `/v2/library/app/manifests/${tag}`;
    const answer = await pool.request({ method: 'GET', path, headers: { accept: ACCEPT } });
    if (answer.statusCode !== 200) throw new Error(`${url} manifest: ${answer.statusCode} ${await answer.body.text()}`);
    const manifest = await answer.body.json();
    await Promise.all([manifest.config, ...manifest.layers].map((blob) => fetchBlob(pool, blob.digest)));
    return performance.now() - started;
  } finally {
    await pool.close();
  }
}

async function fetchBlob(pool, digest) {
  const { statusCode, body } = await pool.request({ method: 'GET', path: `/v2/library/app/blobs/${digest}` });
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk);
  if (statusCode !== 200 || `sha256:${hash.digest('hex')}` !== digest) throw new Error(`blob ${digest}: ${statusCode}`);
}

/** Pushes an image of fresh random layers to the upstream as library/app:<tag>. */
async function pushFresh(upstream, tag, layers = LAYERS) {
  const layout = new OciLayout(tempDir('bench-proxy-layout-'));
  const image = await layout.addImage({ layerSizes: layers, label: tag });
  layout.tag(image.manifest, tag);
  await copy(`oci:${layout.dir}:${tag}`, `docker://${upstream.addr}/library/app:${tag}`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;

try {
  const upstream = await startDistribution();
  const caches = {
    ours: await startOurs({ proxy: { remoteurl: upstream.url } }),
    dist: await startDistribution({ proxy: { remoteurl: upstream.url } }),
  };
  await pushFresh(upstream, 'warmup', [4 * MiB, MiB]);
  for (const cache of Object.values(caches)) await pull(cache.url, 'warmup');
  const times = { direct: [], oursMiss: [], oursHit: [], distMiss: [], distHit: [] };
  const cpus = { oursMiss: [], oursHit: [], distMiss: [], distHit: [] };
  for (let round = 0; round < ROUNDS; round++) {
    process.stdout.write(`proxy: round ${round + 1}/${ROUNDS}\n`);
    const tag = `r${round}`;
    await pushFresh(upstream, tag);
    times.direct.push(await pull(upstream.url, tag));
    for (const side of round % 2 === 0 ? ['ours', 'dist'] : ['dist', 'ours']) {
      for (const kind of ['Miss', 'Hit']) {
        const cpu = cpuSeconds(caches[side].pid);
        times[`${side}${kind}`].push(await pull(caches[side].url, tag));
        cpus[`${side}${kind}`].push((cpuSeconds(caches[side].pid) - cpu) * 1000);
      }
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, median(values)]));
  const c = Object.fromEntries(Object.entries(cpus).map(([key, values]) => [key, median(values)]));
  const every = (key) => times[key].map(ms).join(' / ');
  const rows = [
    ['pull direct from the upstream (floor)', ms(m.direct), '—', every('direct')],
    ['first pull (miss), ours', ms(m.oursMiss), `${(m.oursMiss / m.direct).toFixed(2)}× direct`, every('oursMiss')],
    [
      'first pull (miss), distribution',
      ms(m.distMiss),
      `${(m.distMiss / m.direct).toFixed(2)}× direct`,
      every('distMiss'),
    ],
    [
      'second pull (hit), ours',
      ms(m.oursHit),
      `${(m.oursHit / m.distHit).toFixed(2)}× distribution's`,
      every('oursHit'),
    ],
    ['second pull (hit), distribution', ms(m.distHit), '—', every('distHit')],
  ];
  const total = LAYERS.reduce((a, b) => a + b);
  const markdown = [
    `## Pull-through cache (an image of ${LAYERS.length} layers, ${total / MiB} MiB, fresh each round; ${ROUNDS} rounds, medians)`,
    '',
    table(['pull', 'median', 'ratio', 'every round'], rows),
    '',
    table(
      ['CPU of the cache process per pull (median)', 'ours', 'distribution', 'ratio'],
      [
        ['first pull (miss)', ms(c.oursMiss), ms(c.distMiss), (c.oursMiss / c.distMiss).toFixed(2)],
        ['second pull (hit)', ms(c.oursHit), ms(c.distHit), (c.oursHit / c.distHit).toFixed(2)],
      ],
    ),
    '',
  ].join('\n');
  writeReport('proxy', { rounds: ROUNDS, layers: LAYERS, times, cpus, medians: m, cpuMedians: c }, markdown);
} finally {
  await stopAll();
}
