import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createParamDecorator, Injectable, type ExecutionContext } from '@nestjs/common';
import type { AdminAction } from '@app/queue';
import { AdminOptions } from './admin-options.js';
import { AdminQueues } from './admin-queues.js';

/** Who made an admin request: the token names no user (`admin`), so its address and user agent too. */
export interface Operator {
  actor: string;
  addr: string;
  useragent: string;
}

/** The request's operator, for the audit store. */
export const RequestOperator = createParamDecorator((_data: unknown, context: ExecutionContext): Operator => {
  const request = context.switchToHttp().getRequest<IncomingMessage>();
  const useragent = request.headers['user-agent'] ?? '';
  return { actor: 'admin', addr: request.socket.remoteAddress ?? '', useragent };
});

/**
 * Reports operators' actions (replay, enable, test) to the audit store, through the event-log queue as
 * the registry's events go: the store being down delays the row, never the action.
 */
@Injectable()
export class AdminActions {
  constructor(
    private readonly queues: AdminQueues,
    private readonly options: AdminOptions,
  ) {}

  async record(
    action: AdminAction['action'],
    endpoint: string,
    operator: Operator,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const { addr: source, instanceID: instance } = this.options.eventSource;
    const time = Date.now();
    await this.queues.record({ id: randomUUID(), time, action, endpoint, ...operator, instance, source, details });
  }
}
