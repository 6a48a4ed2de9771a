import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CATALOG_MAX_ENTRIES, nextLink, parsePageSize, RepositoryListing } from '../manifests/index.js';
import { queryValue } from './validation.js';

/**
 * `GET /v2/_catalog?n=&last=`: repository names in lexical order, 100 per page by default and at most 1000
 * (distribution's defaults), with a `Link` to the next page when more remain.
 */
@Controller()
export class CatalogController {
  constructor(private readonly listing: RepositoryListing) {}

  @Get('v2/_catalog')
  async catalog(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const n = parsePageSize(queryValue(query.n), CATALOG_MAX_ENTRIES);
    const page = await this.listing.catalog(n, queryValue(query.last));
    if (page.next) res.set('Link', nextLink('/v2/_catalog', page.next));
    res.status(200).json({ repositories: page.entries });
  }
}
