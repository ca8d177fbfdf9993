import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const file = fileURLToPath(new URL('../../../rules/falco-scap_rules.yaml', import.meta.url));
const PRIORITIES = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'INFO', 'DEBUG'];

type Item = Record<string, unknown>;

describe('rules/falco-scap_rules.yaml', () => {
  const doc = yaml.load(readFileSync(file, 'utf8')) as unknown;
  const items = doc as Item[];

  it('is a YAML sequence of Falco items', () => {
    expect(Array.isArray(doc)).toBe(true);
    for (const it of items) {
      const kinds = ['rule', 'macro', 'list', 'required_engine_version'].filter((k) => k in it);
      expect(kinds, JSON.stringify(it)).toHaveLength(1);
    }
  });

  const rules = (): Item[] => items.filter((i) => 'rule' in i);

  it('has 12-20 rules with the required keys', () => {
    expect(rules().length).toBeGreaterThanOrEqual(12);
    expect(rules().length).toBeLessThanOrEqual(20);
    for (const r of rules()) {
      for (const k of ['rule', 'desc', 'condition', 'output', 'priority', 'tags']) {
        expect(r[k], `${String(r['rule'])}.${k}`).toBeDefined();
      }
      expect(PRIORITIES).toContain(String(r['priority']).toUpperCase());
      expect(Array.isArray(r['tags'])).toBe(true);
    }
  });

  it('names unique, macros/lists have conditions/items', () => {
    const names = rules().map((r) => r['rule']);
    expect(new Set(names).size).toBe(names.length);
    for (const m of items.filter((i) => 'macro' in i)) expect(typeof m['condition']).toBe('string');
    for (const l of items.filter((i) => 'list' in i)) expect(Array.isArray(l['items'])).toBe(true);
  });

  it('never uses evt.dir and restricts every rule by event type (directly or via macros)', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/evt\.dir/);
    const macros = new Map(items.filter((i) => 'macro' in i).map((m) => [String(m['macro']), String(m['condition'])]));
    const expand = (c: string, depth = 0): string =>
      depth > 5 ? c : c.replace(/\b[a-z_]+\b/g, (w) => (macros.has(w) ? `(${expand(macros.get(w)!, depth + 1)})` : w));
    for (const r of rules()) expect(expand(String(r['condition'])), String(r['rule'])).toMatch(/evt\.type\s*(=|in)/);
  });

  it('only references defined lists and macros (fscap_ names)', () => {
    const defined = new Set(items.flatMap((i) => [i['macro'], i['list']]).filter((x) => x !== undefined).map(String));
    const used = new Set<string>();
    for (const i of items) {
      const c = [i['condition'], i['items']].flat().filter((x) => typeof x === 'string').join(' ');
      for (const m of c.matchAll(/\bfscap_[a-z_]+\b/g)) used.add(m[0]);
    }
    for (const u of used) expect(defined, u).toContain(u);
  });
});
