import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import type { EndpointConfig } from '@app/config';
import type { Event } from '@app/events';
import type { AttemptPage } from '../attempt-history.js';
import type { DeadLetterEntry, DeadLetterSelector } from '../dead-letter-store.js';
import { AdminActions, RequestOperator, type Operator } from './admin-actions.js';
import { AdminErrorFilter } from './admin-error.filter.js';
import { adminQueryPipe, JsonBodyPipe, ReplaySelectorPipe } from './admin-input.js';
import { AttemptsQuery, DeadLettersQuery } from './admin-queries.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { AdminService } from './admin.service.js';
import { EndpointPipe } from './endpoint.pipe.js';
import type { EndpointOverview } from './endpoint-overviews.js';
import { Redelivery } from './redelivery.js';

/** `/admin/endpoints`: each endpoint's state and counters, attempts, dead letters and replay, test, enable. */
@Controller('admin/endpoints')
@UseGuards(AdminTokenGuard)
@UseFilters(AdminErrorFilter)
export class EndpointsController {
  constructor(
    private readonly admin: AdminService,
    private readonly redelivery: Redelivery,
    private readonly actions: AdminActions,
  ) {}

  @Get()
  async list(): Promise<{ endpoints: EndpointOverview[] }> {
    return { endpoints: await this.admin.endpoints() };
  }

  @Get(':name')
  overview(@Param('name', EndpointPipe) endpoint: EndpointConfig): Promise<EndpointOverview> {
    return this.admin.overview(endpoint);
  }

  @Get(':name/attempts')
  attempts(
    @Param('name', EndpointPipe) endpoint: EndpointConfig,
    @Query(adminQueryPipe) { status, event, limit, before }: AttemptsQuery,
  ): Promise<AttemptPage> {
    return this.admin.attempts(endpoint, { status, eventId: event, limit, before });
  }

  @Get(':name/deadletters')
  async deadLetters(
    @Param('name', EndpointPipe) endpoint: EndpointConfig,
    @Query(adminQueryPipe) { from, to, limit }: DeadLettersQuery,
  ): Promise<{ entries: DeadLetterEntry[] }> {
    return { entries: await this.admin.deadLetterList(endpoint, { from, to, limit }) };
  }

  @Post(':name/replay')
  @HttpCode(200)
  async replay(
    @Param('name', EndpointPipe) endpoint: EndpointConfig,
    @Body(JsonBodyPipe, ReplaySelectorPipe) selector: DeadLetterSelector,
    @RequestOperator() operator: Operator,
  ): Promise<{ replayed: string[] }> {
    const replayed = await this.redelivery.replay(endpoint.name, selector);
    await this.actions.record('replay', endpoint.name, operator, { ids: replayed });
    return { replayed };
  }

  @Post(':name/test')
  @HttpCode(202)
  async test(
    @Param('name', EndpointPipe) endpoint: EndpointConfig,
    @RequestOperator() operator: Operator,
  ): Promise<{ id: string; event: Event }> {
    const event = await this.redelivery.test(endpoint.name, operator.actor);
    await this.actions.record('test', endpoint.name, operator, { id: event.id });
    return { id: event.id, event };
  }

  @Post(':name/enable')
  @HttpCode(200)
  async enable(
    @Param('name', EndpointPipe) endpoint: EndpointConfig,
    @RequestOperator() operator: Operator,
  ): Promise<EndpointOverview> {
    const overview = await this.admin.enable(endpoint);
    await this.actions.record('enable', endpoint.name, operator);
    return overview;
  }
}
