// Pushes small images over plain HTTP as a client does (POST an upload, PUT ?digest= with the bytes, for the
// config and one layer; then PUT the manifest), several at a time; fresh random content for each.
import { createHash, randomBytes } from 'node:crypto';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function uploadBlob(base, repo, bytes) {
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  if (start.status !== 202) throw new Error(`POST upload: ${start.status}`);
  const location = new URL(start.headers.get('location'), base);
  const digest = digestOf(bytes);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status}`);
  return { digest, size: bytes.length };
}

async function pushImage(base, repo, tag) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', tag, nonce: randomBytes(8).toString('hex') }),
  );
  const layer = randomBytes(4096);
  const configDescriptor = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    ...(await uploadBlob(base, repo, config)),
  };
  const layerDescriptor = {
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    ...(await uploadBlob(base, repo, layer)),
  };
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: configDescriptor,
    layers: [layerDescriptor],
  });
  const put = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': MANIFEST },
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`PUT manifest: ${put.status}`);
}

/** Pushes `count` images, `concurrency` at a time; returns the milliseconds it took. */
export async function pushImages(base, count, concurrency = 4) {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await pushImage(base, `bench/push${i % 8}`, `t${i}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return performance.now() - started;
}
