/**
 * Compiled rules indexed by event code, with Falco's enable/disable semantics
 * (evttype_index_ruleset + indexable_ruleset): rules below the minimum priority are
 * never added; each ruleset id keeps its own enabled set; for an event, rules indexed
 * under its code run first, then rules indexed under no code; within a list, rules run
 * in the order they were enabled.
 */
import type { CompiledRule, CompileOutput } from './compiler.js';
import { PPME_ASYNCEVENT_E, PPME_PLUGINEVENT_E } from './evttypes.js';
import { SYSCALL_SOURCE, type Priority } from './types.js';
import { matchesWildcard } from './wildcard.js';

export type MatchType = 'exact' | 'substring' | 'wildcard';

export interface RulesetEntry<F = unknown> {
  readonly rule: CompiledRule<F>;
  /** Codes the rule is indexed under (always includes PPME_ASYNCEVENT_E, as in Falco). */
  readonly eventCodes: ReadonlySet<number>;
}

class EnabledSet<F> {
  readonly byCode = new Map<number, RulesetEntry<F>[]>();
  readonly allCodes: RulesetEntry<F>[] = [];
  readonly enabled = new Set<RulesetEntry<F>>();

  add(w: RulesetEntry<F>): void {
    if (w.eventCodes.size === 0) {
      if (!this.allCodes.includes(w)) this.allCodes.push(w);
    } else {
      for (const c of w.eventCodes) {
        let l = this.byCode.get(c);
        if (!l) this.byCode.set(c, (l = []));
        if (!l.includes(w)) l.push(w);
      }
    }
    this.enabled.add(w);
  }

  remove(w: RulesetEntry<F>): void {
    const drop = (l: RulesetEntry<F>[] | undefined): void => {
      if (!l) return;
      const i = l.indexOf(w);
      if (i >= 0) l.splice(i, 1);
    };
    if (w.eventCodes.size === 0) drop(this.allCodes);
    else for (const c of w.eventCodes) drop(this.byCode.get(c));
    this.enabled.delete(w);
  }
}

export class Ruleset<F = unknown> {
  private readonly entries: RulesetEntry<F>[] = [];
  private readonly sets: EnabledSet<F>[] = [];

  /**
   * Falco's add_compile_output: every rule of `source` whose priority is at least as
   * severe as `minPriority` (numerically <=).
   */
  static fromCompileOutput<F>(out: CompileOutput<F>, minPriority: Priority, source = SYSCALL_SOURCE): Ruleset<F> {
    const rs = new Ruleset<F>();
    for (const r of out.rules) {
      if (r.priority <= minPriority && r.source === source) rs.add(r);
    }
    return rs;
  }

  add(rule: CompiledRule<F>): void {
    const codes =
      rule.source === SYSCALL_SOURCE ? new Set<number>(rule.eventCodes ?? []) : new Set<number>([PPME_PLUGINEVENT_E]);
    codes.add(PPME_ASYNCEVENT_E);
    this.entries.push({ rule, eventCodes: codes });
  }

  get rules(): readonly RulesetEntry<F>[] {
    return this.entries;
  }

  private set(id: number): EnabledSet<F> {
    while (this.sets.length < id + 1) this.sets.push(new EnabledSet<F>());
    return this.sets[id]!;
  }

  private static matches(pattern: string, match: MatchType, name: string): boolean {
    switch (match) {
      case 'exact':
        return pattern === '' || pattern === name;
      case 'substring':
        return pattern === '' || name.includes(pattern);
      case 'wildcard':
        return matchesWildcard(pattern, name);
    }
  }

  enable(pattern: string, match: MatchType, rulesetId = 0): void {
    this.enableDisable(pattern, match, true, rulesetId);
  }

  disable(pattern: string, match: MatchType, rulesetId = 0): void {
    this.enableDisable(pattern, match, false, rulesetId);
  }

  private enableDisable(pattern: string, match: MatchType, enabled: boolean, rulesetId: number): void {
    const s = this.set(rulesetId);
    for (const w of this.entries) {
      if (Ruleset.matches(pattern, match, w.rule.name)) {
        if (enabled) s.add(w);
        else s.remove(w);
      }
    }
  }

  /** Enable every rule having at least one of `tags`. */
  enableTags(tags: Iterable<string>, rulesetId = 0): void {
    this.enableDisableTags(new Set(tags), true, rulesetId);
  }

  disableTags(tags: Iterable<string>, rulesetId = 0): void {
    this.enableDisableTags(new Set(tags), false, rulesetId);
  }

  private enableDisableTags(tags: Set<string>, enabled: boolean, rulesetId: number): void {
    const s = this.set(rulesetId);
    for (const w of this.entries) {
      if (w.rule.tags.some((t) => tags.has(t))) {
        if (enabled) s.add(w);
        else s.remove(w);
      }
    }
  }

  enabledCount(rulesetId = 0): number {
    return this.sets[rulesetId]?.enabled.size ?? 0;
  }

  enabledRules(rulesetId = 0): CompiledRule<F>[] {
    const s = this.sets[rulesetId];
    if (!s) return [];
    return this.entries.filter((w) => s.enabled.has(w)).map((w) => w.rule);
  }

  /** Union of the event codes of the enabled rules. */
  enabledEventCodes(rulesetId = 0): number[] {
    const s = this.sets[rulesetId];
    const out = new Set<number>();
    if (s) for (const w of s.enabled) for (const c of w.eventCodes) out.add(c);
    return [...out].sort((a, b) => a - b);
  }

  /**
   * Rules to try for an event code, in Falco's order: rules indexed under the code, then
   * rules with no index.
   */
  candidates(eventCode: number, rulesetId = 0): readonly CompiledRule<F>[] {
    const s = this.sets[rulesetId];
    if (!s) return [];
    const out: CompiledRule<F>[] = [];
    for (const w of s.byCode.get(eventCode) ?? []) out.push(w.rule);
    for (const w of s.allCodes) out.push(w.rule);
    return out;
  }

  /**
   * Falco's run(): the first matching rule (`all = false`) or every matching rule.
   * Like Falco, when a rule indexed under the code matches, the unindexed list is not run.
   */
  run(eventCode: number, test: (rule: CompiledRule<F>) => boolean, all = false, rulesetId = 0): CompiledRule<F>[] {
    const s = this.sets[rulesetId];
    if (!s) return [];
    const matches: CompiledRule<F>[] = [];
    const runList = (l: readonly RulesetEntry<F>[]): boolean => {
      let found = false;
      for (const w of l) {
        if (test(w.rule)) {
          matches.push(w.rule);
          found = true;
          if (!all) return true;
        }
      }
      return found;
    };
    const byCode = s.byCode.get(eventCode);
    if (byCode && byCode.length > 0 && runList(byCode)) return matches;
    if (s.allCodes.length > 0) runList(s.allCodes);
    return matches;
  }
}
