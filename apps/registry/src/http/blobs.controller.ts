import { Controller, Delete, Get, Head, Param, Req, Res } from '@nestjs/common';
import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import { BlobService, type RequestContext, type ServedBlob } from '../repository/index.js';
import { Ctx } from './request-context.decorator.js';
import { digestParam, repositoryName } from './validation.js';

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' };

/** `GET`/`HEAD`/`DELETE /v2/<name>/blobs/<digest>`: blobs linked in a repository, streamed from storage. */
@Controller()
export class BlobsController {
  constructor(private readonly blobs: BlobService) {}

  @Get('v2/:name/blobs/:digest')
  async get(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('digest') digest: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Express routes HEAD to the first matching GET route, declared first here: a HEAD lands in this handler.
    const served = await this.blobs.serve(ctx, repositoryName(name), digestParam(digest), {
      head: req.method === 'HEAD',
      range: req.headers.range,
    });
    send(served, req, res);
  }

  @Head('v2/:name/blobs/:digest')
  async head(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('digest') digest: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const served = await this.blobs.serve(ctx, repositoryName(name), digestParam(digest), {
      head: true,
      range: req.headers.range,
    });
    send(served, req, res);
  }

  @Delete('v2/:name/blobs/:digest')
  async delete(
    @Ctx() ctx: RequestContext,
    @Param('name') name: string,
    @Param('digest') digest: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.blobs.delete(ctx, repositoryName(name), digestParam(digest));
    res
      .status(202)
      .set({ ...API_VERSION, 'Content-Length': '0' })
      .end();
  }
}

/**
 * Writes a served blob: 307 to the store's URL, or 200 or 206 with its headers, 304 when `If-None-Match` names it,
 * and the body
 * piped from storage (a client that goes away just ends the stream).
 */
function send({ descriptor, range, body, redirect }: ServedBlob, req: Request, res: Response): void {
  if (redirect) {
    res
      .status(307)
      .set({ ...API_VERSION, Location: redirect, 'Docker-Content-Digest': descriptor.digest })
      .end();
    return;
  }
  const etag = `"${descriptor.digest}"`;
  res.set({
    ...API_VERSION,
    'Docker-Content-Digest': descriptor.digest,
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': 'max-age=31536000',
  });
  if (req.headers['if-none-match'] === etag) {
    body?.destroy();
    res.status(304).end();
    return;
  }
  if (range) res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${descriptor.size}`);
  else res.status(200);
  res.set('Content-Length', String(range ? range.end - range.start + 1 : descriptor.size));
  if (!body) {
    res.end();
    return;
  }
  pipeline(body, res, () => undefined);
}
