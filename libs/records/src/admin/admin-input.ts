import { BadRequestException, Injectable, ValidationPipe, applyDecorators, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { IsInt, IsNumber, IsOptional } from 'class-validator';
import { Transform } from 'class-transformer';
import type { DeadLetterSelector } from '../dead-letter-store.js';

/** ms since the epoch from an ISO 8601 time or digits (NaN when neither); undefined when absent or empty. */
export function timeValue(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
}

const TIME = 'expected an ISO 8601 time or ms since the epoch';

/** A query parameter holding a time (see timeValue). */
export const QueryTime = (): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }) => timeValue(value)),
    IsOptional(),
    IsNumber({}, { message: `$property: ${TIME}` }),
  );

/** A query parameter holding digits only. */
export const QueryInteger = (): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)),
    IsOptional(),
    IsInt({ message: '$property: expected a positive integer' }),
  );

/** Validates a query DTO; the first problem found is the 400's message. */
export const adminQueryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  exceptionFactory: (errors: ValidationError[]) => {
    const constraints = errors[0]?.constraints ?? {};
    return new BadRequestException(Object.values(constraints)[0] ?? 'invalid query');
  },
});

/** A POST body as JSON, whatever its content type says (`curl -d` sends a form type); empty is `{}`. */
@Injectable()
export class JsonBodyPipe implements PipeTransform<unknown, unknown> {
  transform(body: unknown): unknown {
    if (typeof body !== 'string') return body ?? {};
    const text = body.trim();
    if (!text) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BadRequestException('body is not valid JSON');
    }
  }
}

/** A replay body: `{"id"}`, `{"ids": [...]}`, `{"all": true}` or `{"from", "to"}`, in that precedence. */
@Injectable()
export class ReplaySelectorPipe implements PipeTransform<unknown, DeadLetterSelector> {
  transform(body: unknown): DeadLetterSelector {
    const input = (body ?? {}) as { id?: unknown; ids?: unknown; all?: unknown; from?: unknown; to?: unknown };
    if (typeof input.id === 'string') return { ids: [input.id] };
    if (Array.isArray(input.ids) && input.ids.every((id) => typeof id === 'string')) return { ids: input.ids };
    if (input.all === true) return {};
    const from = bodyTime(input.from, 'from');
    const to = bodyTime(input.to, 'to');
    if (from !== undefined || to !== undefined) return { from, to };
    throw new BadRequestException('say what to replay: {"id"}, {"ids": [...]}, {"all": true} or {"from", "to"}');
  }
}

function bodyTime(value: unknown, name: string): number | undefined {
  const ms = timeValue(value);
  if (ms !== undefined && !Number.isFinite(ms)) throw new BadRequestException(`${name}: ${TIME}`);
  return ms;
}
