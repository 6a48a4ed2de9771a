// A streamed blob upload over plain HTTP: POST to start, one PATCH carrying `size` bytes (a random
// 4 MiB buffer repeated, hashed as it goes, never held whole), then PUT ?digest= to commit.
import { createHash, randomFillSync } from 'node:crypto';
import { request } from 'node:http';

function call(url, method, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    if (typeof body === 'function') body(req).catch(reject);
    else req.end(body);
  });
}

async function writeRepeated(req, size, hash) {
  const block = randomFillSync(Buffer.allocUnsafe(4 << 20));
  let left = size;
  while (left > 0) {
    const chunk = left >= block.length ? block : block.subarray(0, left);
    hash.update(chunk);
    left -= chunk.length;
    if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
  }
  req.end();
}

/** Uploads `size` bytes to `repo` on the registry at `base`; returns { digest, ms }. */
export async function streamUpload(base, repo, size) {
  const started = performance.now();
  const start = await call(`${base}/v2/${repo}/blobs/uploads/`, 'POST', { headers: { 'content-length': '0' } });
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${start.body}`);
  const hash = createHash('sha256');
  const patchUrl = new URL(start.headers.location, base);
  const patch = await call(patchUrl, 'PATCH', {
    headers: { 'content-type': 'application/octet-stream' },
    body: (req) => writeRepeated(req, size, hash),
  });
  if (patch.status !== 202) throw new Error(`PATCH upload: ${patch.status} ${patch.body}`);
  const digest = `sha256:${hash.digest('hex')}`;
  const putUrl = new URL(patch.headers.location, base);
  putUrl.searchParams.set('digest', digest);
  const put = await call(putUrl, 'PUT', { headers: { 'content-length': '0' } });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${put.body}`);
  return { digest, ms: performance.now() - started };
}
