/**
 * Prepared rules kept per engine (one cache per worker thread, or per in-process run), keyed
 * by what they depend on: rules files, config file and overrides, in order. A suite of many
 * small cases sharing one ruleset then compiles it once per worker instead of once per case.
 * Failures are kept too: a rules file that does not compile fails every case naming it with
 * the same error, without compiling it again. The files are not re-read during a run.
 */
import type { PreparedRules, RulesRequest, TestEngine } from './types.js';

/** Distinct rulesets kept per worker; a suite cycling through more recompiles the oldest. */
export const DEFAULT_CACHE_SIZE = 8;

export function rulesKey(req: RulesRequest): string {
  return JSON.stringify([req.rulesFiles, req.configFile ?? null, req.overrides, ...(req.plugins?.length ? [req.plugins.map((p) => [p.libraryPath, p.initConfig])] : [])]);
}

export class PreparedCache {
  private readonly entries = new Map<string, Promise<PreparedRules>>();
  /** Compilations done (cache misses), for tests and diagnostics. */
  misses = 0;

  constructor(
    private readonly prepare: NonNullable<TestEngine['prepareForTest']>,
    private readonly size = DEFAULT_CACHE_SIZE,
  ) {}

  get(req: RulesRequest): Promise<PreparedRules> {
    const key = rulesKey(req);
    let p = this.entries.get(key);
    if (p !== undefined) {
      // Most recently used last, so the first key is the one to evict.
      this.entries.delete(key);
      this.entries.set(key, p);
      return p;
    }
    this.misses++;
    // Only the rules part of the request reaches prepare (captures would only mislead).
    p = this.prepare({
      rulesFiles: [...req.rulesFiles],
      overrides: [...req.overrides],
      ...(req.configFile !== undefined && { configFile: req.configFile }),
      ...(req.plugins?.length && { plugins: req.plugins.map((x) => ({ ...x })) }),
    });
    this.entries.set(key, p);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
    return p;
  }
}
