/**
 * sysdig's `-j` lines: one JSON object per event, written by jsoncpp's FastWriter (1.9,
 * as Debian's sysdig links it): keys in byte order, no spaces, 64-bit integers exact,
 * control characters as lowercase `\u00xx`, non-ASCII code points as `\uXXXX` (surrogate
 * pairs above U+FFFF), `/` unescaped.
 */

/** A JSON value as the formatter produces it (bigint for 64-bit integers). */
export type InspectJsonValue = string | number | bigint | boolean | null;

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** jsoncpp's valueToQuotedString with emitUTF8 off. */
export function jsonQuote(s: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    if (c === 0x7f) continue;
    out += s.slice(plainFrom, i);
    plainFrom = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        // Control characters and UTF-16 code units of non-ASCII characters (JS strings
        // are UTF-16 already, so surrogate pairs come out as jsoncpp writes them).
        out += '\\u' + hex4(c);
    }
  }
  return out + s.slice(plainFrom) + '"';
}

function jsonValue(v: InspectJsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonQuote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return v > 0 ? '1e+9999' : v < 0 ? '-1e+9999' : 'null';
  return String(Number(v.toPrecision(17)));
}

/** An object with keys sorted as jsoncpp's std::map sorts them (byte order). */
export function encodeJsonObject(entries: ReadonlyMap<string, InspectJsonValue>): string {
  const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += jsonQuote(keys[i]!) + ':' + jsonValue(entries.get(keys[i]!)!);
  }
  return out + '}';
}
