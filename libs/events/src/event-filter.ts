import type { Event } from './event.js';
import { compileRepositoryGlob, matchesAnyGlob } from './repository-glob.js';

/**
 * An endpoint's filter settings (the shape of `notifications.endpoints[]` in the config): distribution's
 * `ignoredmediatypes` and `ignore.{mediatypes,actions}`, and ours `ignore.headrequests` and
 * `repositories.{include,exclude}`.
 */
export interface EventFilterRules {
  ignoredmediatypes?: readonly string[];
  ignore?: { mediatypes?: readonly string[]; actions?: readonly string[]; headrequests?: boolean };
  repositories?: { include?: readonly string[]; exclude?: readonly string[] };
}

/** Decides whether an endpoint takes an event. Pure; compiled once per endpoint. */
export type EventFilter = (event: Event) => boolean;

export function compileEventFilter(rules: EventFilterRules): EventFilter {
  const ignoredMediaTypes = new Set([...(rules.ignoredmediatypes ?? []), ...(rules.ignore?.mediatypes ?? [])]);
  const ignoredActions = new Set(rules.ignore?.actions ?? []);
  const ignoreHead = rules.ignore?.headrequests ?? false;
  const include = (rules.repositories?.include ?? []).map(compileRepositoryGlob);
  const exclude = (rules.repositories?.exclude ?? []).map(compileRepositoryGlob);
  return (event) => {
    // distribution compares the exact media type; delete events have none and are never dropped by it.
    if (event.target.mediaType !== undefined && ignoredMediaTypes.has(event.target.mediaType)) return false;
    if (ignoredActions.has(event.action)) return false;
    if (ignoreHead && event.action === 'pull' && event.request.method === 'HEAD') return false;
    if (include.length > 0 && !matchesAnyGlob(include, event.target.repository)) return false;
    return !matchesAnyGlob(exclude, event.target.repository);
  };
}
