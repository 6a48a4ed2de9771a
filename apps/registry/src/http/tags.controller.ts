import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { nextLink, parsePageSize } from '../manifests/index.js';
import { ProxyTagListing } from '../proxy/index.js';
import { queryValue, repositoryName } from './validation.js';

/**
 * `GET /v2/<name>/tags/list?n=&last=`: tags in lexical order, with a `Link` to the next page when more remain
 * (a cached repository's from its upstream, see proxy/).
 */
@Controller()
export class TagsController {
  constructor(private readonly tags: ProxyTagListing) {}

  @Get('v2/:name/tags/list')
  async list(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const repository = repositoryName(name);
    const n = parsePageSize(queryValue(query.n));
    const page = await this.tags.listTags(repository, n, queryValue(query.last));
    if (page.next) res.set('Link', nextLink(`/v2/${repository}/tags/list`, page.next));
    res.status(200).json({ name: repository, tags: page.entries });
  }
}
