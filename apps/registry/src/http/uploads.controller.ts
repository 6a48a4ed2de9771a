import { Controller, Delete, Get, Param, Patch, Post, Put, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RegistryConfig } from '@app/config';
import { isDigest, isRepositoryName } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { BlobService, UploadService, type BlobDescriptor, type RequestContext } from '../repository/index.js';
import { chunkRange, ClientDisconnectedFilter, Locations, outOfOrder } from '../blobs/index.js';
import { Ctx } from './request-context.decorator.js';
import { digestParam, queryValue, repositoryName } from './validation.js';

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' };
const UPLOADS = 'v2/:name/blobs/uploads';
const UPLOAD = 'v2/:name/blobs/uploads/:id';

type QueryMap = Record<string, unknown>;

/**
 * Blob uploads: start (`POST`, also monolithic with `?digest=` and cross-repository `?mount=&from=`),
 * chunks (`PATCH`), commit (`PUT ?digest=`), status (`GET`) and cancel (`DELETE`).
 */
@Controller()
@UseFilters(ClientDisconnectedFilter)
export class UploadsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly blobs: BlobService,
    private readonly config: RegistryConfig,
  ) {}

  @Post(UPLOADS)
  async start(
    @Ctx() ctx: RequestContext,
    @Param('name') rawName: string,
    @Query() query: QueryMap,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const name = repositoryName(rawName);
    const locations = new Locations(this.config, ctx);
    const mounted = await this.mount(ctx, name, queryValue(query.mount), queryValue(query.from));
    if (mounted) return created(res, locations, name, mounted);
    const digest = queryValue(query.digest);
    if (digest !== undefined) {
      return created(res, locations, name, await this.uploads.putMonolithic(ctx, name, digestParam(digest), req));
    }
    const upload = await this.uploads.start(ctx, name);
    res
      .status(202)
      .set({ ...API_VERSION, ...locations.progress(name, upload.id, 0) })
      .end();
  }

  @Patch(UPLOAD)
  async patch(
    @Ctx() ctx: RequestContext,
    @Param('name') rawName: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const name = repositoryName(rawName);
    const offset = await this.chunkOffset(ctx, name, id, req);
    const upload = await this.uploads.append(ctx, name, id, req, offset);
    res
      .status(202)
      .set({ ...API_VERSION, ...new Locations(this.config, ctx).progress(name, id, upload.offset) })
      .end();
  }

  @Put(UPLOAD)
  async commit(
    @Ctx() ctx: RequestContext,
    @Param('name') rawName: string,
    @Param('id') id: string,
    @Query() query: QueryMap,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const name = repositoryName(rawName);
    const digest = digestParam(queryValue(query.digest));
    const offset = await this.chunkOffset(ctx, name, id, req);
    if (offset !== undefined) {
      const current = await this.uploads.status(ctx, name, id);
      if (current.offset !== offset) throw outOfOrder(name, id, current.offset, offset);
    }
    const blob = await this.uploads.commit(ctx, name, id, digest, hasBody(req) ? req : undefined);
    created(res, new Locations(this.config, ctx), name, blob);
  }

  @Get(UPLOAD)
  async status(
    @Ctx() ctx: RequestContext,
    @Param('name') rawName: string,
    @Param('id') id: string,
    @Res() res: Response,
  ): Promise<void> {
    const name = repositoryName(rawName);
    const upload = await this.uploads.status(ctx, name, id);
    res
      .status(204)
      .set({ ...API_VERSION, ...new Locations(this.config, ctx).progress(name, id, upload.offset) })
      .end();
  }

  @Delete(UPLOAD)
  async cancel(
    @Ctx() ctx: RequestContext,
    @Param('name') rawName: string,
    @Param('id') id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.uploads.cancel(ctx, repositoryName(rawName), id);
    res
      .status(204)
      .set({ ...API_VERSION, 'Content-Length': '0' })
      .end();
  }

  /**
   * `?mount=<digest>[&from=<repository>]`: the mounted blob, or undefined to start an upload instead (also
   * when the arguments are malformed, as the spec asks).
   */
  private async mount(
    ctx: RequestContext,
    name: string,
    digest?: string,
    from?: string,
  ): Promise<BlobDescriptor | undefined> {
    if (digest === undefined || !isDigest(digest)) return undefined;
    if (from !== undefined && !isRepositoryName(from)) return undefined;
    return this.blobs.mount(ctx, name, digest, from);
  }

  /**
   * The start of the chunk a `Content-Range` names (undefined without one). A malformed range is 416 with the
   * upload's progress; a `Content-Length` that disagrees with the range is SIZE_INVALID.
   */
  private async chunkOffset(ctx: RequestContext, name: string, id: string, req: Request): Promise<number | undefined> {
    const header = req.headers['content-range'];
    if (header === undefined) return undefined;
    const range = chunkRange(header);
    if (!range) {
      const current = await this.uploads.status(ctx, name, id);
      throw outOfOrder(name, id, current.offset);
    }
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) !== range.end - range.start + 1) {
      throw new RegistryError('SIZE_INVALID', undefined, { contentRange: header, contentLength: length });
    }
    return range.start;
  }
}

function created(res: Response, locations: Locations, name: string, blob: BlobDescriptor): void {
  res
    .status(201)
    .set({
      ...API_VERSION,
      Location: locations.blob(name, blob.digest),
      'Docker-Content-Digest': blob.digest,
      'Content-Length': '0',
    })
    .end();
}

/** Whether the request carries a body (a last chunk with the PUT). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}
