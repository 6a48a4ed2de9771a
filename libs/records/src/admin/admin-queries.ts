import { IsOptional, IsString } from 'class-validator';
import { QueryInteger, QueryTime } from './admin-input.js';

/** `GET /admin/endpoints/:name/attempts` */
export class AttemptsQuery {
  /** An HTTP status, `delivered`, `retry`, `gaveup` or `failed`. */
  @IsOptional() @IsString() status?: string;
  /** An event id. */
  @IsOptional() @IsString() event?: string;
  @QueryInteger() limit?: number;
  /** The `next` of the previous page. */
  @IsOptional() @IsString() before?: string;
}

/** `GET /admin/endpoints/:name/deadletters` */
export class DeadLettersQuery {
  @QueryTime() from?: number;
  @QueryTime() to?: number;
  @QueryInteger() limit?: number;
}

/** `GET /admin/events` */
export class EventsQuery {
  @QueryTime() from?: number;
  @QueryTime() to?: number;
  @QueryInteger() limit?: number;
  @IsOptional() @IsString() action?: string;
  /** A name, or a glob with `*` (one segment) and `**`. */
  @IsOptional() @IsString() repository?: string;
  /** `actor.name`; empty matches anonymous events. */
  @IsOptional() @IsString() actor?: string;
  /** The `next` of the previous page. */
  @IsOptional() @IsString() cursor?: string;
}
