/**
 * JSON encoding as Falco's nlohmann::json `dump(-1, ' ', false, replace)` produces it:
 * compact, object keys sorted (std::map), non-ASCII kept, control characters escaped
 * (`\b \f \n \r \t`, others `\u00xx`), invalid UTF-16 (lone surrogates, i.e. invalid
 * UTF-8 in the C++ string) replaced by U+FFFD, 64-bit integers exact.
 */
import type { OutputJsonValue } from './format.js';

/** A JSON value for Falco-style encoding. Objects are encoded with sorted keys. */
export type FalcoJson = OutputJsonValue | { readonly [key: string]: FalcoJson } | readonly FalcoJson[];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Replace lone surrogates by U+FFFD. */
export function wellFormed(s: string): string {
  return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, '\ufffd') : s;
}

/** A JSON string literal, as nlohmann escapes it. */
export function encodeJsonString(s: string): string {
  return JSON.stringify(wellFormed(s));
}

function byteCompare(a: string, b: string): number {
  // std::map<std::string> orders by bytes; UTF-8 byte order equals code point order.
  if (a === b) return 0;
  const ca = [...a];
  const cb = [...b];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(byteCompare);
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : n.toString();
  return JSON.stringify(n);
}

export function encodeFalcoJson(v: FalcoJson): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return encodeJsonString(v);
    case 'number':
      return encodeNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return `[${(v as readonly FalcoJson[]).map(encodeFalcoJson).join(',')}]`;
  const o = v as { readonly [key: string]: FalcoJson };
  return `{${sortedKeys(o)
    .map((k) => `${encodeJsonString(k)}:${encodeFalcoJson(o[k]!)}`)
    .join(',')}}`;
}
