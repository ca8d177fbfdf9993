/**
 * A mutable YAML tree for configuration, with where every node came from (a file line or
 * a `-o` option), and Falco's `-o key=value` override syntax (userspace/engine/yaml_helper.h
 * `get_node`, userspace/falco/configuration.cpp `set_cmdline_option`).
 *
 * Scalars stay text, as yaml-cpp keeps them; typed reads happen in config.ts.
 */
import { InputError, SourceError } from '../../errors.js';
import { loadAllWithPositions, YamlSyntaxError, keyText, type YNode } from '../rules/yaml.js';

/** Where a node came from. */
export type Origin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly column: number }
  | { readonly kind: 'option'; readonly option: string };

export type CNode =
  | { kind: 'scalar'; value: string; origin: Origin }
  | { kind: 'null'; origin: Origin }
  | { kind: 'seq'; items: CNode[]; origin: Origin }
  | { kind: 'map'; entries: { key: string; value: CNode }[]; origin: Origin };

/** An error about a node, located at its origin. */
export function nodeError(origin: Origin, detail: string): InputError {
  if (origin.kind === 'file') return new SourceError(origin.file, origin.line, origin.column, detail);
  return new InputError(`-o ${origin.option}: ${detail}`);
}

function fromY(n: YNode, file: string, origin?: Origin): CNode {
  const o: Origin = origin ?? { kind: 'file', file, line: n.mark.line + 1, column: n.mark.column + 1 };
  switch (n.kind) {
    case 'scalar':
      return { kind: 'scalar', value: n.value, origin: o };
    case 'null':
      return { kind: 'null', origin: o };
    case 'seq':
      return { kind: 'seq', items: n.items.map((x) => fromY(x, file, origin)), origin: o };
    case 'map': {
      const entries: { key: string; value: CNode }[] = [];
      for (const e of n.entries) {
        const key = keyText(e.key);
        // yaml-cpp `node[key]` finds the first entry; later duplicates are unreachable.
        if (entries.some((x) => x.key === key)) continue;
        entries.push({ key, value: fromY(e.value, file, origin) });
      }
      return { kind: 'map', entries, origin: o };
    }
  }
}

/** Parse a YAML document (the first of the stream) into a tree. */
export function parseYamlTree(text: string, file: string, origin?: Origin): CNode {
  let docs: YNode[];
  try {
    docs = loadAllWithPositions(text, file);
  } catch (e) {
    if (e instanceof YamlSyntaxError) {
      if (origin?.kind === 'option') throw nodeError(origin, `invalid YAML value: ${e.message}`);
      throw new SourceError(file, e.mark ? e.mark.line + 1 : undefined, e.mark ? e.mark.column + 1 : undefined, e.message);
    }
    throw e;
  }
  const first = docs[0];
  if (first === undefined) return { kind: 'null', origin: origin ?? { kind: 'file', file, line: 1, column: 1 } };
  return fromY(first, file, origin);
}

/** `node[key]` on a map. */
export function getChild(n: CNode | undefined, key: string): CNode | undefined {
  if (n === undefined || n.kind !== 'map') return undefined;
  return n.entries.find((e) => e.key === key)?.value;
}

// ---------------------------------------------------------------------------------------
// -o key=value
// ---------------------------------------------------------------------------------------

/** One step of a key path. */
export type PathStep = { readonly key: string } | { readonly index: number } | { readonly append: true };

/**
 * Parse a Falco config key path: `a.b`, `list[2].x`, `m[1][3]`, `list[]` (append),
 * backslash escapes for `.`, `[`, `]`, `\` in names (`annotations.kubernetes\.io/role`).
 * Throws an Error with Falco's wording.
 */
export function parseKeyPath(key: string): PathStep[] {
  const steps: PathStep[] = [];
  let name = '';
  let hasName = false;
  let afterBracket = false;
  const fail = (msg: string): never => {
    throw new Error(`Config error at key "${key}": Parsing error: ${msg}`);
  };
  const shift = (i: number): void => {
    if (!hasName) fail(`unexpected character at pos ${i}`);
    steps.push({ key: name });
    name = '';
    hasName = false;
  };
  if (key.length === 0) fail('empty key');
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\') {
      const n = key[i + 1];
      if (n === undefined) fail(`trailing backslash at pos ${i}`);
      if (n !== '.' && n !== '[' && n !== ']' && n !== '\\') fail(`invalid escape sequence '\\${n}' at pos ${i}`);
      if (afterBracket) fail(`expected '.' character at pos ${i - 1}`);
      name += n;
      hasName = true;
      i++;
      continue;
    }
    if (c === '.') {
      if (afterBracket && !hasName) {
        afterBracket = false;
        continue;
      }
      shift(i);
      continue;
    }
    if (c === '[') {
      if (hasName) shift(i);
      else if (!afterBracket) fail(`unexpected character at pos ${i}`);
      const close = key.indexOf(']', i);
      if (close < 0) fail(`missing ']' at pos ${i}`);
      const idx = key.slice(i + 1, close);
      if (idx === '') steps.push({ append: true });
      else if (/^[0-9]+$/.test(idx)) steps.push({ index: Number.parseInt(idx, 10) });
      else fail(`expected a numeric index, found '${idx}'`);
      i = close;
      afterBracket = true;
      continue;
    }
    if (afterBracket) {
      fail(`expected '.' character at pos ${i - 1}`);
    }
    name += c;
    hasName = true;
  }
  if (hasName) steps.push({ key: name });
  else if (!afterBracket) fail(`unexpected character at pos ${key.length - 1}`);
  return steps;
}

/** A parsed `-o` option. */
export interface ConfigOverride {
  readonly option: string;
  readonly path: readonly PathStep[];
  readonly value: CNode;
}

/**
 * Parse `key=value` (split at the first `=`). A value written `{...}` is YAML (a flow
 * map); anything else is a plain scalar string, typed when read, as with yaml-cpp.
 */
export function parseOverride(option: string): ConfigOverride {
  const eq = option.indexOf('=');
  if (eq < 0) {
    throw new InputError(`Error parsing config option "${option}". Must be of the form key=val or key.subkey=val`);
  }
  const key = option.slice(0, eq);
  const raw = option.slice(eq + 1);
  const origin: Origin = { kind: 'option', option };
  let path: PathStep[];
  try {
    path = parseKeyPath(key);
  } catch (e) {
    throw new InputError(`-o ${option}: ${(e as Error).message}`);
  }
  const value: CNode =
    raw.startsWith('{') && raw.endsWith('}')
      ? parseYamlTree(raw, '-o', origin)
      : { kind: 'scalar', value: raw, origin };
  return { option, path, value };
}

/** Set the node at `path` (creating maps/sequences on the way) to `value`. Returns the new root. */
export function applyOverride(root: CNode, ov: ConfigOverride): CNode {
  const origin: Origin = { kind: 'option', option: ov.option };
  const fail = (msg: string): never => {
    throw new InputError(`-o ${ov.option}: ${msg}`);
  };
  const setIn = (node: CNode | undefined, i: number): CNode => {
    if (i === ov.path.length) return ov.value;
    const step = ov.path[i]!;
    if ('key' in step) {
      let m: CNode;
      if (node === undefined || node.kind === 'null') m = { kind: 'map', entries: [], origin };
      else if (node.kind === 'map') m = node;
      else return fail(`cannot set key '${step.key}' inside a ${node.kind === 'seq' ? 'sequence' : 'scalar'}`);
      const entries = m.entries;
      const at = entries.findIndex((e) => e.key === step.key);
      const next = setIn(at >= 0 ? entries[at]!.value : undefined, i + 1);
      if (at >= 0) entries[at] = { key: step.key, value: next };
      else entries.push({ key: step.key, value: next });
      return m;
    }
    let s: CNode;
    if (node === undefined || node.kind === 'null') s = { kind: 'seq', items: [], origin };
    else if (node.kind === 'seq') s = node;
    else return fail(`cannot index a ${node.kind === 'map' ? 'map' : 'scalar'}`);
    const items = s.items;
    if ('append' in step) {
      items.push(setIn(undefined, i + 1));
      return s;
    }
    if (step.index > items.length) return fail(`index ${step.index} is out of range (the sequence has ${items.length} items)`);
    items[step.index] = setIn(items[step.index], i + 1);
    return s;
  };
  return setIn(root, 0);
}
