import { Transform, Type } from 'class-transformer';
import { Allow, IsOptional, IsString, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import { isDuration, parseDuration } from './duration.js';

/** A Go-style duration in the file ("5s"); a number of milliseconds once loaded. */
export function Duration(options?: ValidationOptions): PropertyDecorator {
  return (target, key) => {
    const toMs = (value: unknown) => (isDuration(value) ? parseDuration(value as string | number) : value);
    Transform(({ value }) => (Array.isArray(value) ? value.map(toMs) : toMs(value)))(target, key);
    ValidateBy(
      {
        name: 'isDuration',
        validator: {
          validate: (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
          defaultMessage: () => 'must be a duration such as 500ms, 5s, 2m or 1h',
        },
      },
      options,
    )(target, key);
  };
}

/**
 * A key of distribution's that we accept and do not act on, so that a configuration written for registry:2
 * still loads. Its value is not checked (nor the keys under it).
 */
export function Ignored(): PropertyDecorator {
  return Allow();
}

/** An optional nested section of the given class. */
export function Section(type: () => new () => object): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    ValidateNested()(target, key);
    Type(type)(target, key);
  };
}

/** A string or a list of strings in the file; always a list once loaded. */
export function StringList(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => (typeof value === 'string' ? [value] : value))(target, key);
    ValidateBy({
      name: 'isStringList',
      validator: {
        validate: (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
        defaultMessage: () => 'must be a string or a list of strings',
      },
    })(target, key);
  };
}

/** A map of header name to a string or list of strings (distribution's `headers`). */
export function HeaderMap(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : [String(v)]]))
        : value,
    )(target, key);
    ValidateBy({
      name: 'isHeaderMap',
      validator: {
        validate: (value) => !!value && typeof value === 'object' && !Array.isArray(value),
        defaultMessage: () => 'must be a map of header names to a value or a list of values',
      },
    })(target, key);
  };
}

/**
 * A string. Numbers and booleans are taken as their text, since REGISTRY_* variables are read as YAML
 * scalars (REGISTRY_REDIS_PASSWORD=12345 is still a password, not a number).
 */
export function IsText(): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value))(
      target,
      key,
    );
    IsString()(target, key);
  };
}
