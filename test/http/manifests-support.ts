import { expect } from 'vitest';
import { digest, randomBytes } from './blobs-support.js';

/** Media types under test. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const ALL_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  [key: string]: unknown;
}

export interface Pushed {
  descriptor: Descriptor;
  body: Buffer;
}

/** HTTP calls against one registry base URL. */
export class ManifestClient {
  constructor(readonly url: string) {}

  call(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { redirect: 'manual', ...init });
  }

  /** Pushes a blob with a monolithic POST ?digest= and returns its descriptor. */
  async blob(repo: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const response = await this.call(`/v2/${repo}/blobs/uploads/?digest=${digest(bytes)}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(201);
    return { mediaType, digest: digest(bytes), size: bytes.length };
  }

  put(repo: string, reference: string, body: Buffer | string, contentType?: string): Promise<Response> {
    return this.call(`/v2/${repo}/manifests/${reference}`, {
      method: 'PUT',
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
  }

  /** PUTs a manifest document (serialised with `indent` to make bytes distinctive) and expects 201. */
  async push(
    repo: string,
    reference: string,
    document: Record<string, unknown>,
    mediaType: string,
    indent = 3,
  ): Promise<Pushed> {
    const body = Buffer.from(JSON.stringify(document, null, indent));
    const response = await this.put(repo, reference, body, mediaType);
    expect(response.status, await response.clone().text()).toBe(201);
    return { descriptor: { mediaType, digest: digest(body), size: body.length }, body };
  }

  get(
    repo: string,
    reference: string,
    accept: string = ALL_TYPES,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.call(`/v2/${repo}/manifests/${reference}`, { headers: { accept, ...headers } });
  }

  /** Pushes a config and `layers` random layers, then the image manifest (OCI or Docker schema2) under `reference`. */
  async image(
    repo: string,
    reference: string,
    options: { docker?: boolean; seed?: number; layers?: number; extra?: Record<string, unknown> } = {},
  ): Promise<Pushed> {
    const seed = options.seed ?? 1;
    const docker = options.docker ?? false;
    const config = await this.blob(
      repo,
      Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })),
      docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
    );
    const layers: Descriptor[] = [];
    for (let i = 0; i < (options.layers ?? 2); i += 1) {
      layers.push(
        await this.blob(
          repo,
          randomBytes(1000 + i * 37, seed * 10 + i),
          docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
        ),
      );
    }
    const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
    return this.push(repo, reference, { schemaVersion: 2, mediaType, config, layers, ...options.extra }, mediaType);
  }

  /** Pushes an index (OCI) or manifest list (Docker) of `children` with amd64 first, arm64 after. */
  async index(
    repo: string,
    reference: string,
    children: Descriptor[],
    docker = false,
    extra: Record<string, unknown> = {},
  ): Promise<Pushed> {
    const mediaType = docker ? DOCKER_LIST : OCI_INDEX;
    const platforms = [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ];
    const manifests = children.map((child, i) => ({ ...child, platform: platforms[i % 2] }));
    return this.push(repo, reference, { schemaVersion: 2, mediaType, manifests, ...extra }, mediaType);
  }
}

/** The first error of a registry error body. */
export async function firstError(response: Response): Promise<{ code: string; message: string; detail?: unknown }> {
  const body = (await response.json()) as { errors: { code: string; message: string; detail?: unknown }[] };
  return body.errors[0];
}
