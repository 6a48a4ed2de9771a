import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MediaTypes } from '@app/oci';
import { ReferrersService } from '../manifests/index.js';
import { digestParam, queryValue, repositoryName } from './validation.js';

/**
 * `GET /v2/<name>/referrers/<digest>[?artifactType=]` (OCI 1.1): an OCI image index of the manifests whose
 * subject is the digest; with the filter, `OCI-Filters-Applied: artifactType`.
 */
@Controller()
export class ReferrersController {
  constructor(private readonly referrers: ReferrersService) {}

  @Get('v2/:name/referrers/:digest')
  async list(
    @Param('name') name: string,
    @Param('digest') digest: string,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const repository = repositoryName(name);
    const subject = digestParam(digest);
    const artifactType = queryValue(query.artifactType) || undefined;
    const index = await this.referrers.list(repository, subject, artifactType);
    const body = JSON.stringify(index);
    if (artifactType !== undefined) res.setHeader('OCI-Filters-Applied', 'artifactType');
    res.status(200);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('Content-Type', MediaTypes.ociIndex);
    res.setHeader('Content-Length', String(Buffer.byteLength(body)));
    res.end(body);
  }
}
