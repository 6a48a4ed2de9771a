import { execFile } from 'node:child_process';

/** Runs skopeo; resolves with the elapsed milliseconds, rejects with its stderr. */
export function skopeo(args) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('skopeo', args, { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`skopeo ${args.join(' ')}: ${stderr}`));
      else resolve(performance.now() - started);
    });
  });
}

export function copy(source, destination, extra = []) {
  return skopeo([
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    ...extra,
    source,
    destination,
  ]);
}
