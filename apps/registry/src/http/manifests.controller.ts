import { Controller, Delete, Get, Head, Param, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  acceptedTypes,
  MAX_MANIFEST_SIZE,
  parseExistingReference,
  parseReference,
  parseTagQuery,
  readLimitedBody,
  TagStore,
} from '../manifests/index.js';
import { ManifestService, type RequestContext, type StoredManifest } from '../repository/index.js';
import { ProxyCache } from '../proxy/index.js';
import { Ctx } from './request-context.decorator.js';
import { repositoryName } from './validation.js';

const API_VERSION = 'registry/2.0';

/**
 * `GET`/`HEAD`/`PUT`/`DELETE /v2/<name>/manifests/<reference>` (tag or digest). Bodies are served byte for
 * byte as pushed, in their stored media type; Accept is negotiated by the service as distribution does.
 */
@Controller()
export class ManifestsController {
  constructor(
    private readonly manifests: ManifestService,
    private readonly tags: TagStore,
    private readonly proxy: ProxyCache,
  ) {}

  @Get('v2/:name/manifests/:reference')
  get(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('reference') reference: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Express routes HEAD to the first matching GET route, declared first here: a HEAD lands in this handler.
    return this.serve(ctx, repositoryName(name), reference, req, res, req.method === 'HEAD');
  }

  @Head('v2/:name/manifests/:reference')
  head(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('reference') reference: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.serve(ctx, repositoryName(name), reference, req, res, true);
  }

  @Put('v2/:name/manifests/:reference')
  async put(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('reference') reference: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const repository = repositoryName(name);
    parseReference(reference);
    const tags = parseTagQuery(req.query.tag);
    const content = await readLimitedBody(req, MAX_MANIFEST_SIZE);
    const contentType = req.headers['content-type'] ?? '';
    const manifest = await this.manifests.put(ctx, repository, reference, contentType, content, tags);
    const digest = manifest.descriptor.digest;
    res.status(201).set({
      'Docker-Distribution-API-Version': API_VERSION,
      Location: `${ctx.baseUrl}/v2/${repository}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': '0',
    });
    if (manifest.subject) res.set('OCI-Subject', manifest.subject);
    if (tags.length > 0) res.set('OCI-Tag', [...new Set(tags)]);
    res.end();
  }

  @Delete('v2/:name/manifests/:reference')
  async delete(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('reference') reference: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.manifests.delete(ctx, repositoryName(name), reference);
    res.status(202).set({ 'Docker-Distribution-API-Version': API_VERSION, 'Content-Length': '0' }).end();
  }

  /**
   * 304 when If-None-Match names the digest the reference resolves to (checked before the pull, as distribution
   * does; in a cached repository after it, since only the upstream knows what a tag points at now).
   */
  private async serve(
    ctx: RequestContext,
    repository: string,
    reference: string,
    req: Request,
    res: Response,
    head: boolean,
  ): Promise<void> {
    const ref = parseExistingReference(reference);
    const ifNoneMatch = req.headers['if-none-match'];
    const cached = this.proxy.remotes.resolve(repository) !== undefined;
    if (ifNoneMatch && !cached) {
      const digest = ref.digest ?? (await this.tags.resolve(repository, ref.tag));
      if (digest && etagMatches(ifNoneMatch, digest)) {
        return notModified(res, digest);
      }
    }
    const manifest = await this.manifests.get(ctx, repository, reference, acceptedTypes(req.headers.accept));
    if (ifNoneMatch && cached && etagMatches(ifNoneMatch, manifest.descriptor.digest)) {
      return notModified(res, manifest.descriptor.digest);
    }
    send(manifest, res, head);
  }
}

/** distribution's etagMatch: the digest, quoted or not; we also take a comma-separated list and `*`. */
function etagMatches(header: string, digest: string): boolean {
  return header.split(',').some((value) => {
    const tag = value.trim().replace(/^W\//, '');
    return tag === '*' || tag === digest || tag === `"${digest}"`;
  });
}

function notModified(res: Response, digest: string): void {
  res
    .status(304)
    .set({ 'Docker-Distribution-API-Version': API_VERSION, ETag: `"${digest}"`, 'Docker-Content-Digest': digest })
    .end();
}

function send(manifest: StoredManifest, res: Response, head: boolean): void {
  const { digest, size, mediaType } = manifest.descriptor;
  res.status(200);
  res.setHeader('Docker-Distribution-API-Version', API_VERSION);
  res.setHeader('Content-Type', mediaType);
  res.setHeader('Content-Length', String(size));
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('ETag', `"${digest}"`);
  if (head) res.end();
  else res.end(manifest.content);
}
