import { getMetadataStorage, ValidationTypes, type ValidationError } from 'class-validator';
import { didYouMean } from './did-you-mean.js';

/** What is wrong with one key of the file. */
export interface ConfigProblem {
  /** The key's path from the root: section names and, in lists, indexes. */
  path: string[];
  message: string;
  /** The key is not one its section declares. */
  unknown: boolean;
}

/**
 * class-validator's errors as problems naming their key. A key its section does not declare (validation's
 * whitelist) is an unknown key, told with the nearest declared one.
 */
export function configProblems(errors: readonly ValidationError[], parent: string[] = []): ConfigProblem[] {
  return errors.flatMap((error) => {
    const path = [...parent, error.property];
    const constraints = error.constraints ?? {};
    // A field the loader fills after validation (storage.driver, source) is on the instance, never in the file.
    if (constraints[ValidationTypes.WHITELIST] !== undefined) {
      return error.value === undefined ? [] : [unknownKey(error, path)];
    }
    const own = Object.values(constraints).map((message) => ({
      path,
      message: message.replace(`${error.property} `, ''),
      unknown: false,
    }));
    return [...own, ...configProblems(error.children ?? [], path)];
  });
}

/** `notifications.endpoints[0].timeout`. */
export function keyName(path: readonly string[]): string {
  const name = (segment: string, index: number) =>
    /^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`;
  return path.map(name).join('');
}

export function describeProblem(problem: ConfigProblem): string {
  return `${keyName(problem.path)}: ${problem.message}`;
}

function unknownKey(error: ValidationError, path: string[]): ConfigProblem {
  const known = error.target ? declaredKeys(error.target) : [];
  const hint = didYouMean(error.property, known) || (known.length > 0 ? ` (known keys: ${known.join(', ')})` : '');
  return { path, message: `unknown key${hint}`, unknown: true };
}

/** The keys a config section's class declares: every property with a validation decorator. */
function declaredKeys(section: object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(section.constructor, '', false, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}
