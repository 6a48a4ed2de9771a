// The push-and-pull scenarios of bench:registry and bench:storage: with skopeo, an image with a big layer and
// SMALL small images pushed to a registry then pulled back; and a registry's peak RSS while one big blob is
// streamed to it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OciLayout } from '../../lib/oci-layout.mjs';
import { memoryOf, tempDir } from './processes.mjs';
import { copy } from './skopeo.mjs';
import { MiB } from './stats.mjs';
import { streamUpload } from './upload.mjs';

export function scenarioNames(bigBytes, small) {
  const big = `${bigBytes / MiB} MiB image`;
  return [`push ${big}`, `push ${small} small images`, `pull ${big}`, `pull ${small} small images`];
}

/** A layout with `big` (one layer of `bigBytes`) and `small` tagged s0..s<n-1>, fresh content per `label`. */
export async function buildLayout(label, bigBytes, small) {
  const layout = new OciLayout(tempDir(`bench-layout-${label}-`));
  const big = await layout.addImage({ layerSizes: [bigBytes, 4096], label: `big-${label}` });
  layout.tag(big.manifest, 'big');
  for (let i = 0; i < small; i++) {
    const image = await layout.addImage({ layerSizes: [2048 + i], label: `small-${label}-${i}` });
    layout.tag(image.manifest, `s${i}`);
  }
  return layout;
}

/** One repetition of the four scenarios against one registry; returns milliseconds per scenario. */
export async function runScenarios(target, layout, rep, small) {
  const docker = (repo, tag) => `docker://${target.addr}/${repo}:${tag}`;
  const out = tempDir('bench-pull-');
  const times = [];
  times.push(await copy(`oci:${layout.dir}:big`, docker(`bench/big-${rep}`, 'v1')));
  times.push(await sequence(small, (i) => copy(`oci:${layout.dir}:s${i}`, docker(`bench/small-${rep}`, `s${i}`))));
  times.push(await copy(docker(`bench/big-${rep}`, 'v1'), `oci:${join(out, 'big')}:v1`));
  times.push(await sequence(small, (i) => copy(docker(`bench/small-${rep}`, `s${i}`), `oci:${join(out, `s${i}`)}:v1`)));
  rmSync(out, { recursive: true, force: true });
  return times;
}

async function sequence(count, step) {
  let total = 0;
  for (let i = 0; i < count; i++) total += await step(i);
  return total;
}

/** Peak RSS of a registry process while one blob of `bytes` is streamed to it. */
export async function peakRss(target, bytes) {
  const before = memoryOf(target.pid);
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(target.pid).rss)), 20);
  const { ms } = await streamUpload(target.url, 'bench/rss', bytes);
  clearInterval(sampler);
  const after = memoryOf(target.pid);
  return {
    before: before.rss,
    peakSampled: Math.max(peak, after.rss),
    hwm: after.hwm,
    ms,
    mibPerS: bytes / MiB / (ms / 1000),
  };
}
