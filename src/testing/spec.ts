/**
 * Test specs: YAML files naming cases (captures, rules, config overrides, expectations).
 * Every problem is a SourceError at the spec's file:line:column; all of a file's problems
 * are collected, not only the first.
 *
 * ```yaml
 * defaults:                      # optional; applies to every case
 *   rules: ../rules/falco-scap_rules.yaml
 *   overrides: [priority=debug]
 * cases:
 *   - name: shell in a container
 *     captures: captures/shell-*.scap
 *     expect:
 *       rules: { Terminal shell in container: 1, Read sensitive file untrusted: none }
 *       priorities: { Warning: { at_least: 1 } }
 *       alerts:
 *         - rule: Terminal shell in container
 *           fields: { proc.name: bash, user.name: { contains: ro }, container.id: { regex: '^[0-9a-f]{12}$' } }
 *       only: true
 *       snapshot: true
 *   - name: plugin events           # plugins: (in defaults or a case) as in falco.yaml
 *     plugins:
 *       - library_path: ../plugins/libjsonaudit.so
 *         init_config: { batchSize: 64 }
 *     captures: captures/audit.scap
 *     expect: { rules: { Failed login: 2 } }
 * ```
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError, SourceError } from '../errors.js';
import {
  normalizePriority,
  PRIORITIES,
  type AlertExpectation,
  type CountSpec,
  type Expectations,
  type FieldExpectation,
  type PriorityExpectation,
  type RuleExpectation,
  type SnapshotExpectation,
  type ValueMatcher,
} from './expectations.js';
import { glob, hasMagic } from './glob.js';
import { didYouMean } from './suggest.js';
import type { ReplayRequest } from './types.js';
import { parseYamlWithPositions, toPlain, type PMap, type PNode, type Pos } from './yaml.js';

export interface TestCase {
  /** Absolute path of the spec file. */
  readonly specFile: string;
  /** The spec path as shown to users (relative to the working directory when inside it). */
  readonly specDisplay: string;
  /** Position of the case among its spec's cases, from 0. */
  readonly index: number;
  readonly name: string;
  /** `spec › name`. */
  readonly fullName: string;
  readonly pos: Pos;
  readonly description?: string;
  /** Set when the case is skipped (`skip: true` or `skip: reason`). */
  readonly skip?: string;
  readonly request: ReplayRequest;
  readonly expect: Expectations;
}

export interface SpecFile {
  readonly file: string;
  readonly display: string;
  readonly cases: readonly TestCase[];
  readonly errors: readonly SourceError[];
}

/** File names a directory search picks up. */
export const SPEC_FILE_RE = /\.test\.ya?ml$/;

const TOP_KEYS = ['defaults', 'cases'];
const DEFAULT_KEYS = ['captures', 'rules', 'config', 'overrides', 'plugins'];
const CASE_KEYS = ['name', 'description', 'skip', 'captures', 'rules', 'config', 'overrides', 'plugins', 'expect'];
const PLUGIN_KEYS = ['library_path', 'init_config'];
const EXPECT_KEYS = ['rules', 'priorities', 'total', 'alerts', 'only', 'snapshot'];
const ALERT_KEYS = ['rule', 'priority', 'source', 'tags', 'output', 'fields', 'count'];
const COUNT_KEYS = ['exactly', 'at_least', 'at_most'];
const MATCHER_KEYS = ['exact', 'contains', 'regex', 'flags'];

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  return shown.split(sep).join('/');
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return s === '' ? 'case' : s;
}

interface Inherited {
  captures?: { patterns: { text: string; pos: Pos }[] };
  rules?: { patterns: { text: string; pos: Pos }[] };
  config?: { text: string; pos: Pos };
  overrides: string[];
  /** Falco plugins (a case's list replaces the defaults' list), paths not yet resolved. */
  plugins?: { path: { text: string; pos: Pos }; initConfig: string }[];
}

class SpecParser {
  readonly errors: SourceError[] = [];
  private readonly dir: string;

  constructor(
    private readonly file: string,
    private readonly display: string,
    private readonly cwd: string,
  ) {
    this.dir = dirname(file);
  }

  err(pos: Pos, msg: string): undefined {
    this.errors.push(new SourceError(pos.file, pos.line, pos.column, msg));
    return undefined;
  }

  kindName(n: PNode): string {
    if (n.kind === 'map') return 'a mapping';
    if (n.kind === 'seq') return 'a list';
    return n.value === null ? 'empty' : `${typeof n.value} ${JSON.stringify(n.value)}`;
  }

  map(n: PNode, what: string, allowed: readonly string[]): PMap | undefined {
    if (n.kind !== 'map') return this.err(n.pos, `${what} must be a mapping, not ${this.kindName(n)}`);
    for (const e of n.entries) {
      if (!allowed.includes(e.key)) this.err(e.keyPos, `unknown key '${e.key}' in ${what}${didYouMean(e.key, allowed)}; expected one of: ${allowed.join(', ')}`);
    }
    return n;
  }

  get(m: PMap, key: string): PNode | undefined {
    return m.entries.find((e) => e.key === key)?.value;
  }

  string(n: PNode, what: string): string | undefined {
    if (n.kind !== 'scalar' || n.value === null) return this.err(n.pos, `${what} must be a string, not ${this.kindName(n)}`);
    return String(n.value);
  }

  stringList(n: PNode, what: string): { text: string; pos: Pos }[] | undefined {
    if (n.kind === 'scalar') {
      const s = this.string(n, what);
      return s === undefined ? undefined : [{ text: s, pos: n.pos }];
    }
    if (n.kind !== 'seq') return this.err(n.pos, `${what} must be a string or a list of strings, not ${this.kindName(n)}`);
    if (n.items.length === 0) return this.err(n.pos, `${what} is an empty list`);
    const out: { text: string; pos: Pos }[] = [];
    for (const it of n.items) {
      const s = this.string(it, `each entry of ${what}`);
      if (s !== undefined) out.push({ text: s, pos: it.pos });
    }
    return out;
  }

  count(n: PNode, what: string): CountSpec | undefined {
    if (n.kind === 'scalar') {
      if (n.value === 'none' || n.value === false) return { min: 0, max: 0 };
      if (typeof n.value === 'number' && Number.isInteger(n.value) && n.value >= 0) return { min: n.value, max: n.value };
      return this.err(n.pos, `${what}: expected a count (a number, 'none', or { exactly | at_least | at_most: N }), got ${this.kindName(n)}`);
    }
    const m = this.map(n, `${what} count`, COUNT_KEYS);
    if (m === undefined) return undefined;
    const num = (k: string): number | undefined => {
      const v = this.get(m, k);
      if (v === undefined) return undefined;
      if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 0) return v.value;
      this.err(v.pos, `${k} must be a whole number ≥ 0, not ${this.kindName(v)}`);
      return undefined;
    };
    const exactly = num('exactly');
    const atLeast = num('at_least');
    const atMost = num('at_most');
    if (exactly !== undefined) {
      if (atLeast !== undefined || atMost !== undefined) return this.err(m.pos, `${what}: 'exactly' cannot be combined with 'at_least' or 'at_most'`);
      return { min: exactly, max: exactly };
    }
    if (atLeast === undefined && atMost === undefined) {
      if (m.entries.length === 0) return this.err(m.pos, `${what}: a count needs exactly, at_least or at_most`);
      return undefined;
    }
    if (atLeast !== undefined && atMost !== undefined && atLeast > atMost) return this.err(m.pos, `${what}: at_least ${atLeast} is more than at_most ${atMost}`);
    return atMost === undefined ? { min: atLeast ?? 0 } : { min: atLeast ?? 0, max: atMost };
  }

  matcher(n: PNode, what: string): ValueMatcher | undefined {
    if (n.kind === 'scalar') return { kind: 'exact', value: n.value };
    const m = this.map(n, what, MATCHER_KEYS);
    if (m === undefined) return undefined;
    const kinds = m.entries.filter((e) => e.key !== 'flags' && MATCHER_KEYS.includes(e.key));
    if (kinds.length !== 1) return this.err(m.pos, `${what}: give exactly one of exact, contains, regex`);
    const k = kinds[0]!;
    const flagsNode = this.get(m, 'flags');
    if (flagsNode !== undefined && k.key !== 'regex') return this.err(flagsNode.pos, `'flags' applies only to 'regex'`);
    if (k.key === 'exact') {
      if (k.value.kind !== 'scalar') return this.err(k.value.pos, `exact must be a scalar value, not ${this.kindName(k.value)}`);
      return { kind: 'exact', value: k.value.value };
    }
    const text = this.string(k.value, k.key);
    if (text === undefined) return undefined;
    if (k.key === 'contains') return { kind: 'contains', value: text };
    const flags = flagsNode === undefined ? '' : this.string(flagsNode, 'flags');
    if (flags === undefined) return undefined;
    if (!/^[imsu]*$/.test(flags)) return this.err(flagsNode!.pos, `flags may contain only i, m, s, u`);
    try {
      return { kind: 'regex', source: text, flags, re: new RegExp(text, flags) };
    } catch (e) {
      return this.err(k.value.pos, `invalid regex: ${(e as Error).message}`);
    }
  }

  /** Resolve path patterns relative to the spec; each must match something. */
  paths(patterns: { text: string; pos: Pos }[], what: string, filesOnly: boolean): string[] {
    const out: string[] = [];
    for (const p of patterns) {
      const found = glob(p.text, this.dir);
      const usable = filesOnly ? found.filter((f) => isFile(f)) : found;
      if (usable.length === 0) {
        if (hasMagic(p.text)) this.err(p.pos, `no ${what} matches '${p.text}' (relative to ${displayPath(this.dir, this.cwd) || '.'})`);
        else if (found.length > 0) this.err(p.pos, `${what} '${p.text}' is a directory, not a file`);
        else this.err(p.pos, `${what} not found: '${p.text}' (relative to ${displayPath(this.dir, this.cwd) || '.'})`);
        continue;
      }
      for (const f of usable) if (!out.includes(f)) out.push(f);
    }
    return out;
  }

  overrides(n: PNode): string[] | undefined {
    if (n.kind === 'map') {
      const out: string[] = [];
      for (const e of n.entries) {
        if (e.value.kind !== 'scalar' || e.value.value === null) {
          this.err(e.value.pos, `override '${e.key}' must have a scalar value, not ${this.kindName(e.value)}`);
          continue;
        }
        out.push(`${e.key}=${String(e.value.value)}`);
      }
      return out;
    }
    const list = this.stringList(n, 'overrides');
    if (list === undefined) return undefined;
    const out: string[] = [];
    for (const o of list) {
      if (!/^[^=\s][^=]*=/.test(o.text)) this.err(o.pos, `override '${o.text}' is not of the form key=value`);
      else out.push(o.text);
    }
    return out;
  }

  inherited(m: PMap | undefined, base: Inherited): Inherited {
    const out: Inherited = { ...base, overrides: [...base.overrides] };
    if (m === undefined) return out;
    const c = this.get(m, 'captures');
    if (c !== undefined) {
      const l = this.stringList(c, 'captures');
      if (l !== undefined) out.captures = { patterns: l };
    }
    const r = this.get(m, 'rules');
    if (r !== undefined) {
      const l = this.stringList(r, 'rules');
      if (l !== undefined) out.rules = { patterns: l };
    }
    const cfg = this.get(m, 'config');
    if (cfg !== undefined) {
      const s = this.string(cfg, 'config');
      if (s !== undefined) out.config = { text: s, pos: cfg.pos };
    }
    const o = this.get(m, 'overrides');
    if (o !== undefined) out.overrides.push(...(this.overrides(o) ?? []));
    const pl = this.get(m, 'plugins');
    if (pl !== undefined) {
      const l = this.plugins(pl);
      if (l !== undefined) out.plugins = l;
    }
    return out;
  }

  /**
   * `plugins:` — a list of `{ library_path, init_config }` (Falco's plugins entries; the
   * init config a string, or a mapping/list passed as its JSON text) or of bare library
   * paths. Paths are relative to the spec.
   */
  plugins(n: PNode): Inherited['plugins'] {
    if (n.kind !== 'seq') return this.err(n.pos, `plugins must be a list, not ${this.kindName(n)}`);
    const out: NonNullable<Inherited['plugins']> = [];
    for (const it of n.items) {
      if (it.kind === 'scalar') {
        const s = this.string(it, 'a plugins entry');
        if (s !== undefined) out.push({ path: { text: s, pos: it.pos }, initConfig: '' });
        continue;
      }
      const m = this.map(it, 'a plugins entry', PLUGIN_KEYS);
      if (m === undefined) continue;
      const lp = this.get(m, 'library_path');
      if (lp === undefined) {
        this.err(m.pos, `a plugins entry needs 'library_path'`);
        continue;
      }
      const path = this.string(lp, 'library_path');
      const ic = this.get(m, 'init_config');
      let initConfig = '';
      if (ic !== undefined && !(ic.kind === 'scalar' && ic.value === null)) {
        initConfig = ic.kind === 'scalar' ? String(ic.value) : JSON.stringify(toPlain(ic));
      }
      if (path !== undefined) out.push({ path: { text: path, pos: lp.pos }, initConfig });
    }
    return out;
  }

  alert(n: PNode): AlertExpectation | undefined {
    const m = this.map(n, 'an alerts entry', ALERT_KEYS);
    if (m === undefined) return undefined;
    let rule: string | undefined;
    let rulePos: Pos | undefined;
    let priority: string | undefined;
    let source: string | undefined;
    let tags: string[] = [];
    let output: ValueMatcher | undefined;
    const fields: FieldExpectation[] = [];
    let count: CountSpec = { min: 1 };
    let ok = true;
    for (const e of m.entries) {
      switch (e.key) {
        case 'rule':
          rule = this.string(e.value, 'rule');
          rulePos = e.value.pos;
          ok &&= rule !== undefined;
          break;
        case 'priority': {
          const p = this.string(e.value, 'priority');
          priority = p === undefined ? undefined : normalizePriority(p);
          if (p !== undefined && priority === undefined) this.err(e.value.pos, `unknown priority '${p}'; expected one of: ${PRIORITIES.join(', ')}`);
          ok &&= priority !== undefined;
          break;
        }
        case 'source':
          source = this.string(e.value, 'source');
          ok &&= source !== undefined;
          break;
        case 'tags': {
          const l = this.stringList(e.value, 'tags');
          ok &&= l !== undefined;
          tags = (l ?? []).map((t) => t.text);
          break;
        }
        case 'output':
          output = this.matcher(e.value, 'output');
          ok &&= output !== undefined;
          break;
        case 'fields': {
          // Field names are free: any key of the alert's output fields.
          if (e.value.kind !== 'map') {
            this.err(e.value.pos, `fields must be a mapping of field name to value, not ${this.kindName(e.value)}`);
            ok = false;
            break;
          }
          for (const f of e.value.entries) {
            const mt = this.matcher(f.value, `field ${f.key}`);
            if (mt === undefined) ok = false;
            else fields.push({ field: f.key, matcher: mt, pos: f.keyPos });
          }
          break;
        }
        case 'count': {
          const c = this.count(e.value, 'count');
          if (c === undefined) ok = false;
          else count = c;
          break;
        }
      }
    }
    if (!ok) return undefined;
    if (rule === undefined && priority === undefined && source === undefined && tags.length === 0 && output === undefined && fields.length === 0 && count.min > 0) {
      return this.err(m.pos, `an alerts entry needs at least one of: ${ALERT_KEYS.filter((k) => k !== 'count').join(', ')}`);
    }
    return { pos: m.pos, tags, fields, count, ...(rule !== undefined && { rule, rulePos: rulePos! }), ...(priority !== undefined && { priority }), ...(source !== undefined && { source }), ...(output !== undefined && { output }) };
  }

  expect(n: PNode, caseName: string): Expectations | undefined {
    const m = this.map(n, 'expect', EXPECT_KEYS);
    if (m === undefined) return undefined;
    const rules: RuleExpectation[] = [];
    const priorities: PriorityExpectation[] = [];
    const alerts: AlertExpectation[] = [];
    let total: Expectations['total'];
    let only: Pos | undefined;
    let snapshot: SnapshotExpectation | undefined;
    for (const e of m.entries) {
      switch (e.key) {
        case 'rules': {
          if (e.value.kind !== 'map') {
            this.err(e.value.pos, `expect.rules must be a mapping of rule name to count, not ${this.kindName(e.value)}`);
            break;
          }
          for (const r of e.value.entries) {
            const c = this.count(r.value, `rule '${r.key}'`);
            if (c !== undefined) rules.push({ rule: r.key, count: c, pos: r.keyPos });
          }
          break;
        }
        case 'priorities': {
          if (e.value.kind !== 'map') {
            this.err(e.value.pos, `expect.priorities must be a mapping of priority to count, not ${this.kindName(e.value)}`);
            break;
          }
          for (const p of e.value.entries) {
            const name = normalizePriority(p.key);
            if (name === undefined) {
              this.err(p.keyPos, `unknown priority '${p.key}'; expected one of: ${PRIORITIES.join(', ')}`);
              continue;
            }
            const c = this.count(p.value, `priority ${name}`);
            if (c !== undefined) priorities.push({ priority: name, count: c, pos: p.keyPos });
          }
          break;
        }
        case 'total': {
          const c = this.count(e.value, 'total');
          if (c !== undefined) total = { count: c, pos: e.keyPos };
          break;
        }
        case 'alerts': {
          if (e.value.kind !== 'seq') {
            this.err(e.value.pos, `expect.alerts must be a list, not ${this.kindName(e.value)}`);
            break;
          }
          for (const it of e.value.items) {
            const a = this.alert(it);
            if (a !== undefined) alerts.push(a);
          }
          break;
        }
        case 'only': {
          if (e.value.kind !== 'scalar' || typeof e.value.value !== 'boolean') this.err(e.value.pos, `only must be true or false, not ${this.kindName(e.value)}`);
          else if (e.value.value) only = e.keyPos;
          break;
        }
        case 'snapshot': {
          const v = e.value;
          if (v.kind === 'scalar' && typeof v.value === 'boolean') {
            if (v.value) {
              const base = basename(this.file).replace(/\.ya?ml$/, '');
              snapshot = { file: join(this.dir, '__snapshots__', base, `${slug(caseName)}.json`), pos: e.keyPos };
            }
          } else if (v.kind === 'scalar' && typeof v.value === 'string' && v.value !== '') {
            snapshot = { file: resolve(this.dir, v.value), pos: e.keyPos };
          } else {
            this.err(v.pos, `snapshot must be true, false or a file path, not ${this.kindName(v)}`);
          }
          break;
        }
      }
    }
    const out: Expectations = { rules, priorities, alerts, ...(total && { total }), ...(only && { only }), ...(snapshot && { snapshot }) };
    return out;
  }

  parse(src: string): TestCase[] {
    let root: PNode;
    try {
      root = parseYamlWithPositions(src, this.display);
    } catch (e) {
      if (e instanceof SourceError) {
        this.errors.push(e);
        return [];
      }
      throw e;
    }
    let defaults: Inherited = { overrides: [] };
    let caseNodes: readonly PNode[];
    if (root.kind === 'seq') {
      caseNodes = root.items;
    } else if (root.kind === 'map') {
      this.map(root, 'the spec', TOP_KEYS);
      const d = this.get(root, 'defaults');
      if (d !== undefined) defaults = this.inherited(this.map(d, 'defaults', DEFAULT_KEYS), defaults);
      const c = this.get(root, 'cases');
      if (c === undefined) {
        this.err(root.pos, `the spec has no 'cases' list`);
        return [];
      }
      if (c.kind !== 'seq') {
        this.err(c.pos, `cases must be a list, not ${this.kindName(c)}`);
        return [];
      }
      caseNodes = c.items;
    } else {
      this.err(root.pos, `a spec must be a mapping with 'cases' (or a list of cases), not ${this.kindName(root)}`);
      return [];
    }
    if (caseNodes.length === 0) this.err(root.pos, 'the spec has no cases');
    const cases: TestCase[] = [];
    const names = new Map<string, Pos>();
    const slugs = new Map<string, string>();
    caseNodes.forEach((cn, index) => {
      const before = this.errors.length;
      const m = this.map(cn, 'a case', CASE_KEYS);
      if (m === undefined) return;
      const nameNode = this.get(m, 'name');
      const name = nameNode === undefined ? this.err(m.pos, `a case needs a 'name'`) : this.string(nameNode, 'name');
      if (name !== undefined) {
        const prev = names.get(name);
        if (prev !== undefined) this.err(nameNode!.pos, `duplicate case name '${name}' (first at line ${prev.line})`);
        else names.set(name, nameNode!.pos);
        const s = slug(name);
        const other = slugs.get(s);
        if (other !== undefined && other !== name) this.err(nameNode!.pos, `case names '${other}' and '${name}' would share a snapshot file; rename one`);
        slugs.set(s, name);
      }
      const inh = this.inherited(m, defaults);
      let description: string | undefined;
      const dn = this.get(m, 'description');
      if (dn !== undefined) description = this.string(dn, 'description');
      let skip: string | undefined;
      const sk = this.get(m, 'skip');
      if (sk !== undefined) {
        if (sk.kind === 'scalar' && typeof sk.value === 'boolean') skip = sk.value ? 'skipped' : undefined;
        else skip = this.string(sk, 'skip');
      }
      // A skipped case may name files that do not exist yet; it is never replayed.
      const resolvePaths = (pats: { text: string; pos: Pos }[], what: string, filesOnly: boolean) =>
        skip !== undefined ? pats.map((x) => resolve(this.dir, x.text)) : this.paths(pats, what, filesOnly);
      const captures = inh.captures === undefined ? (this.err(m.pos, `case '${name ?? index + 1}' has no captures (set 'captures' in the case or in defaults)`), []) : resolvePaths(inh.captures.patterns, 'capture', true);
      const rulesFiles = inh.rules === undefined ? (this.err(m.pos, `case '${name ?? index + 1}' has no rules files (set 'rules' in the case or in defaults)`), []) : resolvePaths(inh.rules.patterns, 'rules file', false);
      let configFile: string | undefined;
      if (inh.config !== undefined) {
        configFile = resolvePaths([inh.config], 'config file', true)[0];
      }
      const plugins = (inh.plugins ?? []).flatMap((p) =>
        resolvePaths([p.path], 'plugin library', true).map((libraryPath) => ({ libraryPath, initConfig: p.initConfig, origin: `${p.path.pos.file}:${p.path.pos.line}:${p.path.pos.column}` })),
      );
      const en = this.get(m, 'expect');
      const beforeExpect = this.errors.length;
      const expect = en === undefined ? this.err(m.pos, `case '${name ?? index + 1}' has no 'expect'`) : this.expect(en, name ?? String(index + 1));
      if (expect !== undefined && this.errors.length === beforeExpect && expect.rules.length + expect.priorities.length + expect.alerts.length === 0 && !expect.total && !expect.only && !expect.snapshot) {
        this.err(en!.pos, `case '${name ?? index + 1}' expects nothing; add rules, priorities, total, alerts, only or snapshot`);
      }
      if (this.errors.length > before || name === undefined || expect === undefined) return;
      cases.push({
        specFile: this.file,
        specDisplay: this.display,
        index,
        name,
        fullName: `${this.display} › ${name}`,
        pos: m.pos,
        ...(description !== undefined && { description }),
        ...(skip !== undefined && { skip }),
        request: { captures, rulesFiles, overrides: inh.overrides, ...(configFile !== undefined && { configFile }), ...(plugins.length > 0 && { plugins }) },
        expect,
      });
    });
    return cases;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Parse one spec file. Never throws for problems in the file: they are in `errors`. */
export function loadSpecFile(file: string, cwd: string = process.cwd()): SpecFile {
  const abs = resolve(cwd, file);
  const display = displayPath(abs, cwd);
  let src: string;
  try {
    src = readFileSync(abs, 'utf8');
  } catch (e) {
    return { file: abs, display, cases: [], errors: [new SourceError(display, undefined, undefined, `cannot read spec: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)] };
  }
  const p = new SpecParser(abs, display, cwd);
  const cases = p.parse(src);
  return { file: abs, display, cases: p.errors.length ? [] : cases, errors: p.errors };
}

const SKIP_DIRS = new Set(['node_modules', '__snapshots__']);

function findSpecs(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(`${dir}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const n of names) {
    if (n.startsWith('.') || SKIP_DIRS.has(n)) continue;
    const p = join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) findSpecs(p, out);
    else if (st.isFile() && SPEC_FILE_RE.test(n)) out.push(p);
  }
}

/**
 * Spec files for the command-line arguments: files as given, directories searched
 * recursively for `*.test.yaml` / `*.test.yml`. No arguments means the working directory.
 */
export function discoverSpecFiles(paths: readonly string[], cwd: string = process.cwd()): string[] {
  const out: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new InputError(`${p}: no such spec file or directory`);
    }
    const found: string[] = [];
    if (st.isDirectory()) {
      findSpecs(abs, found);
      if (found.length === 0) throw new InputError(`${p}: no spec files (*.test.yaml, *.test.yml) in this directory`);
    } else {
      found.push(abs);
    }
    for (const f of found) if (!out.includes(f)) out.push(f);
  }
  return out;
}

export interface LoadedSpecs {
  readonly specs: readonly SpecFile[];
  /** Every case, in spec order. */
  readonly cases: readonly TestCase[];
  readonly errors: readonly SourceError[];
}

/** Discover and parse specs; cross-file checks (two cases writing one snapshot) too. */
export function loadSpecs(paths: readonly string[], cwd: string = process.cwd()): LoadedSpecs {
  const specs = discoverSpecFiles(paths, cwd).map((f) => loadSpecFile(f, cwd));
  const errors = specs.flatMap((s) => s.errors);
  const cases = specs.flatMap((s) => s.cases);
  const snaps = new Map<string, TestCase>();
  for (const c of cases) {
    const s = c.expect.snapshot;
    if (s === undefined) continue;
    const prev = snaps.get(s.file);
    if (prev !== undefined) errors.push(new SourceError(s.pos.file, s.pos.line, s.pos.column, `snapshot file ${displayPath(s.file, cwd)} is also used by '${prev.fullName}'`));
    else snaps.set(s.file, c);
  }
  return { specs, cases: errors.length ? [] : cases, errors };
}
