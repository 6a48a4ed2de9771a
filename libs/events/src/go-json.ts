/**
 * JSON text exactly as Go's encoding/json `MarshalIndent(v, "", indent)` writes it for the values an envelope
 * holds (objects, arrays, strings, integers, booleans): keys in insertion order, `{}` and `[]` for empty
 * containers, no trailing newline, and Go's string escaping (HTML-safe `<`, `>`, `&`, U+2028/U+2029,
 * `\u00XX` for control characters other than \n, \r, \t).
 */
export type GoJsonValue = string | number | boolean | null | GoJsonValue[] | { [key: string]: GoJsonValue };

export function marshalIndent(value: GoJsonValue, indent: string): string {
  // JSON.stringify lays out text exactly as Go does (`": "`, `[]`, `{}`, key order) and differs only in
  // escaping: it leaves < > & U+2028 U+2029 raw, writes \b and \f, and escapes lone surrogates. Its output
  // is kept unless one of those could be in it (a false alarm only costs the slower exact writer).
  const fast = JSON.stringify(value, null, indent);
  return MAY_DIFFER_FROM_GO.test(fast) ? write(value, indent, '') : fast;
}

const MAY_DIFFER_FROM_GO = /[<>&\u2028\u2029]|\\[bf]|\\ud[89a-f]/i;

function write(value: GoJsonValue, indent: string, prefix: string): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  const inner = prefix + indent;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + write(item, indent, inner)).join(',\n')}\n${prefix}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((key) => `${inner}${quote(key)}: ${write(value[key], indent, inner)}`).join(',\n')}\n${prefix}}`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Anything `quote` rewrites; most strings of an event (ids, digests, names, URLs) have none. */
// eslint-disable-next-line no-control-regex -- control characters are what Go escapes as \u00XX
const NEEDS_ESCAPING = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

function quote(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return `"${text}"`;
  const escaped = text.replace(LONE_SURROGATE, '\ufffd').replace(
    // eslint-disable-next-line no-control-regex -- as NEEDS_ESCAPING
    /["\\\u0000-\u001f<>&\u2028\u2029]/g,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}
