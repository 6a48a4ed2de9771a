import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsUrl,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Duration, HeaderMap, Section, StringList, IsText } from './decorators.js';
import { NetworkConfig } from './network.config.js';

export const EVENT_ACTIONS = ['push', 'pull', 'mount', 'delete'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export class IgnoreConfig {
  @IsOptional() @StringList() mediatypes: string[] = [];
  @IsOptional() @IsArray() @IsIn(EVENT_ACTIONS, { each: true }) actions: EventAction[] = [];
  /** Ours: drop `pull` events that came from HEAD requests (clients' existence checks). */
  @IsOptional() @IsBoolean() headrequests = false;
}

/** Ours: repository name globs (`*` within a path segment, `**` across segments). */
export class RepositoryFilterConfig {
  @IsOptional() @StringList() include: string[] = [];
  @IsOptional() @StringList() exclude: string[] = [];
}

export class BatchConfig {
  /** Events per envelope; 1 (the default) sends one event per POST, as distribution does. */
  @IsOptional() @IsInt() @Min(1) @Max(1000) size = 1;
  /** How long a partial batch may wait for more events. */
  @IsOptional() @Duration() wait = 50;
}

/**
 * The order in which an endpoint receives events. `repository`: the events of one repository in the order the
 * registry accepted them, different repositories in parallel up to `concurrency`. `endpoint`: strict FIFO,
 * one request in flight. `none`: no order promised.
 */
export const ORDERINGS = ['repository', 'endpoint', 'none'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** The endpoint's circuit breaker. */
export class BreakerConfig {
  /**
   * Consecutive failed attempts after which the breaker opens. Only the breaker reads it; the "endpoint
   * failing" alert has its own count, `notifications.alerts.failingafter`.
   */
  @IsOptional() @IsInt() @Min(1) threshold = 5;
}

export class EndpointConfig {
  @IsText() name!: string;
  @IsOptional() @IsBoolean() disabled = false;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) url!: string;
  @IsOptional() @HeaderMap() headers: Record<string, string[]> = {};
  @IsOptional() @Duration() timeout = 1_000;
  /** distribution: immediate retries before backing off; with `backoff`, selects distribution's schedule. */
  @IsOptional() @IsInt() @Min(0) threshold?: number;
  /** distribution: delay between retries once past `threshold`. */
  @IsOptional() @Duration() backoff?: number;
  @IsOptional() @StringList() ignoredmediatypes: string[] = [];
  @Section(() => IgnoreConfig) ignore: IgnoreConfig = new IgnoreConfig();

  // ---- ours; each default keeps distribution's meaning or improves on it without breaking receivers ----
  /** Retries after the first attempt before the event is dead-lettered. */
  @IsOptional() @IsInt() @Min(0) maxretries?: number;
  /** Explicit delays between attempts (overrides threshold/backoff/maxretries). */
  @IsOptional() @IsArray() @Duration({ each: true }) schedule?: number[];
  /** Random spread applied to each delay, as a fraction of it. */
  @IsOptional() @IsNumber() @Min(0) @Max(1) jitter = 0.2;
  /** Longest Retry-After we honour. */
  @IsOptional() @Duration() maxretryafter = 3_600_000;
  /** Signing secrets (`whsec_<base64>`); the first signs, all are sent during rotation. */
  @IsOptional() @StringList() secret: string[] = [];
  @IsOptional() @IsIn(['distribution', 'cloudevents']) format: 'distribution' | 'cloudevents' = 'distribution';
  /** Envelope media type version: v1 (distribution 2.x) or v2 (distribution 3). */
  @IsOptional() @IsIn(['v1', 'v2']) envelope: 'v1' | 'v2' = 'v1';
  @IsOptional() @IsInt() @Min(1) @Max(256) concurrency = 4;
  /**
   * The order of delivery (see ORDERINGS), `repository` unless `ordered: true` says `endpoint`; the loader
   * fills it. Consumers read this, not `ordered`.
   */
  @IsOptional() @IsIn(ORDERINGS) @AgreesWithOrdered() ordering!: Ordering;
  /** The first spelling of `ordering: endpoint`; the loader keeps it equal to `ordering === 'endpoint'`. */
  @IsOptional() @IsBoolean() ordered = false;
  @Section(() => BreakerConfig) breaker: BreakerConfig = new BreakerConfig();
  @Section(() => BatchConfig) batch: BatchConfig = new BatchConfig();
  @Section(() => RepositoryFilterConfig) repositories: RepositoryFilterConfig = new RepositoryFilterConfig();
}

export class EventsConfig {
  @IsOptional() @IsBoolean() includereferences = false;
}

export class HistoryConfig {
  /** Attempts (HTTP requests: a batch's counts once) kept per endpoint. */
  @IsOptional() @IsInt() @Min(1) attempts = 10_000;
  /** Events kept in the event log. */
  @IsOptional() @IsInt() @Min(1) events = 1_000_000;
  /** Age past which attempts and events are dropped. */
  @IsOptional() @Duration() maxage = 30 * 24 * 3_600_000;
}

export class AlertsConfig {
  /**
   * Consecutive failed attempts after which an endpoint is reported failing (the "endpoint failing" alert).
   * It does not open the endpoint's circuit breaker: that is the endpoint's `breaker.threshold`.
   */
  @IsOptional() @IsInt() @Min(1) failingafter = 5;
}

export class NotificationsConfig {
  @Section(() => EventsConfig) events: EventsConfig = new EventsConfig();
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => EndpointConfig) endpoints: EndpointConfig[] = [];
  /** Ours: where events wait while Redis is unreachable; default `<storage root>/_spool` or `./data/spool`. */
  @IsOptional() @IsText() spooldir?: string;
  /** Ours: longest a request waits for Redis to take its events before they go to the spool instead. */
  @IsOptional() @Duration() enqueuetimeout = 250;
  @Section(() => HistoryConfig) history: HistoryConfig = new HistoryConfig();
  @Section(() => AlertsConfig) alerts: AlertsConfig = new AlertsConfig();
  /** Ours: which addresses deliveries may reach (network.config.ts). */
  @Section(() => NetworkConfig) network: NetworkConfig = new NetworkConfig();
}

/** `ordered: true` beside an `ordering` other than `endpoint` says two things; refuse it. */
function AgreesWithOrdered(): PropertyDecorator {
  return ValidateBy({
    name: 'agreesWithOrdered',
    validator: {
      validate: (value, args) => (args?.object as EndpointConfig).ordered !== true || value === 'endpoint',
      defaultMessage: (args) => `${String(args?.value)} contradicts ordered: true (ordering: endpoint); keep one`,
    },
  });
}
