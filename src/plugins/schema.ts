/**
 * A small JSON Schema validator for plugin init configs (plugin_get_init_schema). It
 * covers what plugin schemas use in practice: type (incl. lists and "integer"),
 * properties / required / additionalProperties, items (single schema), enum, const,
 * minimum / maximum / exclusiveMinimum / exclusiveMaximum (draft-04 booleans and later
 * numbers), minLength / maxLength, pattern, minItems / maxItems, uniqueItems,
 * allOf / anyOf / oneOf / not, and local $ref ("#/definitions/x", "#/$defs/x", "#").
 * Unknown keywords are ignored, as JSON Schema prescribes.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Schema = { [k: string]: Json } | boolean;

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObj(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k]!, b[k]!));
  }
  return false;
}

function matchesType(v: Json, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'integer') return actual === 'number' && Number.isInteger(v);
  if (t === 'number') return actual === 'number';
  return actual === t;
}

function resolveRef(root: Schema, ref: string): Schema {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref '${ref}' (only local references)`);
  let cur: Json = root as Json;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(cur) || !(key in cur)) throw new Error(`unresolvable $ref '${ref}'`);
    cur = cur[key]!;
  }
  if (typeof cur !== 'boolean' && !isObj(cur)) throw new Error(`$ref '${ref}' is not a schema`);
  return cur;
}

function show(v: Json): string {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function validateAt(v: Json, s: Schema, root: Schema, path: string, errs: string[], depth: number): void {
  if (depth > 64) throw new Error('schema nesting too deep (recursive $ref?)');
  if (s === true) return;
  if (s === false) {
    errs.push(`${path}: no value is allowed here`);
    return;
  }
  const where = path || '(root)';
  if (typeof s.$ref === 'string') {
    validateAt(v, resolveRef(root, s.$ref), root, path, errs, depth + 1);
    return; // draft-04..07: $ref overrides sibling keywords
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type.filter((t): t is string => typeof t === 'string') : typeof s.type === 'string' ? [s.type] : [];
    if (types.length && !types.some((t) => matchesType(v, t))) {
      errs.push(`${where}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => equal(e, v))) errs.push(`${where}: ${show(v)} is not one of ${show(s.enum)}`);
  if (s.const !== undefined && !equal(s.const, v)) errs.push(`${where}: must be ${show(s.const)}`);
  if (typeof v === 'number') {
    const exMin = s.exclusiveMinimum, exMax = s.exclusiveMaximum;
    if (typeof s.minimum === 'number' && (exMin === true ? v <= s.minimum : v < s.minimum))
      errs.push(`${where}: ${v} is less than ${exMin === true ? 'or equal to ' : ''}the minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && (exMax === true ? v >= s.maximum : v > s.maximum))
      errs.push(`${where}: ${v} is more than ${exMax === true ? 'or equal to ' : ''}the maximum ${s.maximum}`);
    if (typeof exMin === 'number' && v <= exMin) errs.push(`${where}: ${v} must be more than ${exMin}`);
    if (typeof exMax === 'number' && v >= exMax) errs.push(`${where}: ${v} must be less than ${exMax}`);
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) errs.push(`${where}: ${v} is not a multiple of ${s.multipleOf}`);
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (typeof s.minLength === 'number' && len < s.minLength) errs.push(`${where}: shorter than ${s.minLength} characters`);
    if (typeof s.maxLength === 'number' && len > s.maxLength) errs.push(`${where}: longer than ${s.maxLength} characters`);
    if (typeof s.pattern === 'string') {
      let re: RegExp;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        throw new Error(`invalid pattern '${s.pattern}' in the schema`);
      }
      if (!re.test(v)) errs.push(`${where}: ${show(v)} does not match the pattern ${s.pattern}`);
    }
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) errs.push(`${where}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errs.push(`${where}: more than ${s.maxItems} items`);
    if (s.uniqueItems === true && v.some((x, i) => v.findIndex((y) => equal(x, y)) !== i)) errs.push(`${where}: items are not unique`);
    const items = s.items;
    if (typeof items === 'boolean' || isObj(items)) v.forEach((x, i) => validateAt(x, items, root, `${path}[${i}]`, errs, depth + 1));
  }
  if (isObj(v)) {
    const props = isObj(s.properties) ? s.properties : {};
    if (Array.isArray(s.required)) for (const r of s.required) if (typeof r === 'string' && !(r in v)) errs.push(`${where}: missing required property '${r}'`);
    if (typeof s.minProperties === 'number' && Object.keys(v).length < s.minProperties) errs.push(`${where}: fewer than ${s.minProperties} properties`);
    if (typeof s.maxProperties === 'number' && Object.keys(v).length > s.maxProperties) errs.push(`${where}: more than ${s.maxProperties} properties`);
    const extra = s.additionalProperties;
    for (const [k, x] of Object.entries(v)) {
      const sub = `${path}.${k}`;
      const ps = props[k];
      if (ps !== undefined && (typeof ps === 'boolean' || isObj(ps))) validateAt(x, ps, root, sub, errs, depth + 1);
      else if (extra === false) errs.push(`${where}: unknown property '${k}'`);
      else if (isObj(extra)) validateAt(x, extra, root, sub, errs, depth + 1);
    }
  }
  const subs = (k: string): Schema[] => (Array.isArray(s[k]) ? (s[k] as Json[]).filter((x): x is Schema => typeof x === 'boolean' || isObj(x)) : []);
  for (const a of subs('allOf')) validateAt(v, a, root, path, errs, depth + 1);
  const anyOf = subs('anyOf');
  if (anyOf.length && !anyOf.some((a) => check(v, a, root, path, depth) === 0)) errs.push(`${where}: matches none of the allowed alternatives (anyOf)`);
  const oneOf = subs('oneOf');
  if (oneOf.length) {
    const n = oneOf.filter((a) => check(v, a, root, path, depth) === 0).length;
    if (n !== 1) errs.push(`${where}: must match exactly one alternative (oneOf), matches ${n}`);
  }
  if (s.not !== undefined && (typeof s.not === 'boolean' || isObj(s.not)) && check(v, s.not, root, path, depth) === 0) errs.push(`${where}: matches a forbidden schema (not)`);
}

function check(v: Json, s: Schema, root: Schema, path: string, depth: number): number {
  const errs: string[] = [];
  validateAt(v, s, root, path, errs, depth + 1);
  return errs.length;
}

/**
 * Validates `value` against `schema`. Returns the problems found (empty when valid); each
 * names the place, `(root)` or a path such as `.batchSize` / `.items[2]`. Throws for a
 * schema it cannot use (not an object, unresolvable $ref, invalid pattern).
 */
export function validateJsonSchema(value: Json, schema: Json): string[] {
  if (typeof schema !== 'boolean' && !isObj(schema)) throw new Error('the schema is not a JSON object');
  const errs: string[] = [];
  validateAt(value, schema, schema, '', errs, 0);
  return errs;
}
