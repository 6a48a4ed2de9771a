import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** All manifest media types, for `Accept`. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Plain HTTP calls against a registry at `base` (http://host:port). */
export class RegistryClient {
  constructor(readonly base: string) {}

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, { redirect: 'manual', ...init });
  }

  /** GETs a blob and returns the sha256 of the streamed body (the body is never held whole). */
  async blobDigest(repo: string, digest: string): Promise<{ status: number; digest?: string; length: number }> {
    const response = await this.fetch(`/v2/${repo}/blobs/${digest}`);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { status: response.status, length: 0 };
    }
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      length += chunk.length;
    }
    return { status: response.status, digest: `sha256:${hash.digest('hex')}`, length };
  }

  async manifest(
    repo: string,
    reference: string,
    accept = MANIFEST_ACCEPT,
  ): Promise<{ status: number; body: Buffer; headers: Headers }> {
    const response = await this.fetch(`/v2/${repo}/manifests/${reference}`, { headers: { accept } });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
  }

  async head(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(path, { method: 'HEAD', headers });
  }

  async json<T = unknown>(path: string): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.fetch(path);
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }
}

/** Reads an OCI layout written by skopeo (e.g. a pull) and returns the descriptors named in index.json. */
export function layoutIndex(dir: string): {
  manifests: { digest: string; mediaType: string; size: number; annotations?: Record<string, string> }[];
} {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as ReturnType<typeof layoutIndex>;
}

/** The bytes of a blob in an OCI layout folder. */
export function layoutBlob(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, 'blobs', ...digest.split(':')));
}
