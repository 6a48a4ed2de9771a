import type { RegistryConfig } from '@app/config';
import type { RequestContext } from '../repository/index.js';
import { uploadRange } from './byte-ranges.js';

/**
 * URLs in `Location` headers: absolute from `http.host` or the request's host, as distribution builds
 * them, or relative with `http.relativeurls`. Upload state lives in storage, so the upload URL carries
 * no `_state` and stays valid across restarts and processes.
 */
export class Locations {
  constructor(
    private readonly config: RegistryConfig,
    private readonly ctx: RequestContext,
  ) {}

  blob(repository: string, digest: string): string {
    return this.url(`/v2/${repository}/blobs/${digest}`);
  }

  upload(repository: string, id: string): string {
    return this.url(`/v2/${repository}/blobs/uploads/${id}`);
  }

  /** The headers of every upload progress answer (202 after POST/PATCH, 204 for status). */
  progress(repository: string, id: string, offset: number): Record<string, string> {
    return {
      Location: this.upload(repository, id),
      Range: uploadRange(offset),
      'Docker-Upload-UUID': id,
      'Content-Length': '0',
    };
  }

  private url(path: string): string {
    return this.config.http.relativeurls ? path : `${this.ctx.baseUrl}${path}`;
  }
}
