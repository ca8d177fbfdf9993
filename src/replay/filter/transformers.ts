/**
 * Field transformers: `tolower`, `toupper`, `b64`, `basename`, `len` (libsinsp semantics).
 *
 * Each transformer checks the input type at compile time and maps values per event. On
 * list and multi-candidate values it applies to every element (except `len` on a list
 * field, which counts the elements). A value that cannot be transformed (invalid base64)
 * makes the field have no value.
 */
import type { Extractor, FieldType, FieldValue, ScalarValue, ValueMode } from '../fields/types.js';

export type SingleTransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len';

export const SINGLE_TRANSFORMERS: readonly SingleTransformerName[] = ['tolower', 'toupper', 'b64', 'basename', 'len'];

/** The type after applying a transformer, or `undefined` when the input type is not supported. */
export function transformedType(
  name: SingleTransformerName,
  type: FieldType,
  mode: ValueMode,
): { type: FieldType; mode: ValueMode } | undefined {
  const str = type === 'charbuf' || type === 'fspath' || type === 'fsrelpath';
  switch (name) {
    case 'tolower':
    case 'toupper':
    case 'basename':
      return str ? { type, mode } : undefined;
    case 'b64':
      return type === 'charbuf' || type === 'bytebuf' ? { type, mode } : undefined;
    case 'len':
      if (mode === 'list') return { type: 'uint64', mode: 'single' };
      return str || type === 'bytebuf' ? { type: 'uint64', mode } : undefined;
  }
}

function asciiLower(s: string): string {
  // C tolower in the C locale: ASCII letters only
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

function basename(s: string): string {
  const i = s.lastIndexOf('/');
  return i === -1 ? s : s.slice(i + 1);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_REV = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) B64_REV[B64.charCodeAt(i)] = i;

/** Standard base64 decoding; padding optional; `undefined` on an invalid character or length. */
export function decodeBase64(input: Uint8Array): Uint8Array | undefined {
  let n = input.length;
  if (n > 0 && input[n - 1] === 61 /* = */) {
    n--;
    if (n > 0 && input[n - 1] === 61) n--;
  }
  if (n % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const v = B64_REV[input[i]!]!;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8');

function bytesOf(v: ScalarValue): Uint8Array {
  return typeof v === 'string' ? enc.encode(v) : v instanceof Uint8Array ? v : enc.encode(String(v));
}

/** One value in, one value out; `undefined` = transformation failed. */
function scalarFn(name: SingleTransformerName, inType: FieldType): (v: ScalarValue) => ScalarValue | undefined {
  switch (name) {
    case 'tolower':
      return (v) => asciiLower(String(v));
    case 'toupper':
      return (v) => asciiUpper(String(v));
    case 'basename':
      return (v) => basename(String(v));
    case 'b64':
      if (inType === 'bytebuf') return (v) => decodeBase64(bytesOf(v));
      return (v) => {
        const d = decodeBase64(bytesOf(v));
        return d === undefined ? undefined : dec.decode(d);
      };
    case 'len':
      if (inType === 'bytebuf') return (v) => bytesOf(v).length;
      // strnlen on the UTF-8 bytes, up to the first NUL
      return (v) => {
        const s = String(v);
        const nul = s.indexOf('\0');
        const t = nul === -1 ? s : s.slice(0, nul);
        // eslint-disable-next-line no-control-regex
        return /^[\x00-\x7f]*$/.test(t) ? t.length : enc.encode(t).length;
      };
  }
}

/** Wraps an extractor with a transformer. `inType`/`inMode` describe the input. */
export function applyTransformer<C>(
  name: SingleTransformerName,
  inner: Extractor<C>,
  inType: FieldType,
  inMode: ValueMode,
): Extractor<C> {
  if (name === 'len' && inMode === 'list') {
    return (ctx) => {
      const v = inner(ctx);
      if (v === undefined) return undefined;
      return Array.isArray(v) ? v.length : 1;
    };
  }
  const f = scalarFn(name, inType);
  return (ctx): FieldValue | undefined => {
    const v = inner(ctx);
    if (v === undefined) return undefined;
    if (Array.isArray(v)) {
      const out: ScalarValue[] = [];
      for (const x of v as readonly ScalarValue[]) {
        const t = f(x);
        if (t === undefined) return undefined;
        out.push(t);
      }
      return out;
    }
    return f(v as ScalarValue);
  };
}
