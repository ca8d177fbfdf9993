import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_RULES, skipNote } from '../../helpers/shared.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import type { RuleSource } from '../../../src/replay/rules/source.js';
import type { Expr } from '../../../src/replay/filter/ast.js';
import { toConditionString } from '../../../src/replay/filter/ast.js';
import { readRulesFiles } from '../../../src/replay/rules/reader.js';
import { checkEventTypeNames, filterRuleSource } from '../../../src/replay/rules/filter-source.js';
import { syscallFieldRegistry } from '../../../src/replay/fields/index.js';

const FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
const present = FILES.every((f) => existsSync(join(SHARED_RULES, f)));
if (!present) skipNote('official Falco rules tests', `${SHARED_RULES}/{${FILES.join(',')}}`);

/**
 * Accepts every field but checks evt.type names against the event table: exercises the
 * reader, collector, list/macro resolution, parsing and event-code indexing.
 */
const permissive: RuleSource<Expr> = {
  name: 'syscall',
  isValidLhsField: () => true,
  compileCondition: (ast) => {
    checkEventTypeNames(ast);
    return { filter: ast, warnings: [] };
  },
  checkOutput: () => undefined,
};

function summary(L: RulesLoader<Expr>, results: ReturnType<RulesLoader<Expr>['loadAll']>): string[] {
  return results.flatMap((r) => [
    ...r.errors.map((e) => `${r.name}: ERROR ${e.code} ${e.message}\n${e.context.asString()}`),
    ...r.warnings.map((w) => `${r.name}: ${w.code} ${w.message} @${w.context.last.itemName}`),
  ]);
}

describe.skipIf(!present)('official Falco rules', () => {
  for (const f of FILES) {
    it(`loads ${f} alone with no errors and no warnings`, () => {
      const L = new RulesLoader<Expr>({ sources: [permissive] });
      const results = L.loadAll(readRulesFiles([join(SHARED_RULES, f)]));
      const msgs = summary(L, results);
      if (msgs.length > 0) console.log(msgs.join('\n'));
      expect(results[0]!.errors).toEqual([]);
      expect(results[0]!.schemaValidation.every((st) => st === 'ok')).toBe(true);
      expect(results[0]!.warnings.map((w) => w.code)).toEqual([]);
      expect(L.output!.rules.size).toBeGreaterThan(10);
    });
  }

  it('loads all three files together, in order', () => {
    const L = new RulesLoader<Expr>({ sources: [permissive] });
    const files = readRulesFiles(FILES.map((f) => join(SHARED_RULES, f)));
    const results = L.loadAll(files, false);
    expect(summary(L, results)).toEqual([]);
    const out = L.output!;
    const content = new Map(files.map((f) => [f.name, f.content]));
    // every rule's context points at its "rule:" key
    for (const r of L.collector.rules) {
      const text = content.get(r.context.name)!;
      expect(text.startsWith('rule:', r.context.last.mark.offset)).toBe(true);
    }
    // every condition is fully resolved: no macro reference is left in the tree
    for (const r of out.rules) {
      expect(JSON.stringify(r.condition)).not.toContain('"kind":"identifier"');
      expect(toConditionString(r.condition).length).toBeGreaterThan(0);
    }
    // and the default ruleset indexes every enabled rule by event code
    const rs = L.buildRuleset();
    expect(rs.enabledCount()).toBe([...L.collector.rules].filter((r) => r.enabled).length);
    for (const r of rs.enabledRules()) expect(r.eventCodes!.length).toBeLessThanOrEqual(100);
    console.log(
      `official rules: ${out.rules.size} rules (${rs.enabledCount()} enabled), ${out.macros.size} macros, ${out.lists.size} lists; required engine ${L.collector.requiredEngineVersion.toString()}; plugins ${JSON.stringify(L.collector.requiredPluginVersions)}`,
    );
  });

  it('reports JSON validation results for each file', () => {
    const L = new RulesLoader<Expr>({ sources: [permissive] });
    const results = L.loadAll(readRulesFiles(FILES.map((f) => join(SHARED_RULES, f))), false);
    const j = L.validationJSON(results);
    expect(j.falco_load_results.map((r) => [r.name.split('/').pop(), r.successful, r.errors.length])).toEqual(
      FILES.map((f) => [f, true, 0]),
    );
  });
});

const realRegistry = syscallFieldRegistry();

describe.skipIf(!present)('official Falco rules against the field registry', () => {
  it('compiles every condition and output', () => {
    const L = new RulesLoader({ sources: [filterRuleSource(realRegistry)] });
    const t0 = Date.now();
    const results = L.loadAll(readRulesFiles(FILES.map((f) => join(SHARED_RULES, f))), false);
    const msgs = results.flatMap((r) => [
      ...r.errors.map((e) => `${r.name}: ERROR ${e.code} ${e.message}\n${e.context.asString()}`),
      ...r.warnings.map((w) => `${r.name}: ${w.code} ${w.message} @${w.context.last.itemName}`),
    ]);
    console.log(`official rules with the field registry (${Date.now() - t0} ms):\n${msgs.join('\n') || 'no errors, no warnings'}`);
    expect(results.flatMap((r) => r.errors.map((e) => `${e.code}: ${e.message}`))).toEqual([]);
  });
});
