/**
 * Falco's engine-side loading flow (falco_engine::load_rules): each rules content is
 * read into one collector that persists across files, then everything collected so far
 * is compiled again. The last successful compile output is what rulesets are built from.
 */
import { LoadResult, validationJSON, type LoadResultJSON } from './result.js';
import { readRulesContent, type ExtraOutputField, type ExtraOutputFormat, type LoadConfig, type RulesContent } from './reader.js';
import { RuleCollector } from './collector.js';
import { RuleCompiler, type CompileOutput } from './compiler.js';
import { Ruleset } from './ruleset.js';
import type { RuleSource } from './source.js';
import type { EventCodeResolver } from './evttypes.js';
import { PRIORITY_DEBUG, SYSCALL_SOURCE, Version, type PluginRequirement, type Priority } from './types.js';

export interface RulesLoaderOptions<F> {
  /** Event sources rules may use; rules of other sources are skipped with LOAD_UNKNOWN_SOURCE. */
  readonly sources: readonly RuleSource<F>[];
  readonly extraOutputFormat?: readonly ExtraOutputFormat[];
  readonly extraOutputFields?: readonly ExtraOutputField[];
  readonly eventCodes?: EventCodeResolver;
}

export class RulesLoader<F = unknown> {
  readonly collector = new RuleCollector();
  private readonly compiler: RuleCompiler<F>;
  private readonly sources: Map<string, RuleSource<F>>;
  /** Every content loaded so far, by name (for snippets in messages). */
  readonly contents = new Map<string, string>();
  /** Output of the last compile whose load succeeded. */
  output: CompileOutput<F> | undefined;

  constructor(private readonly options: RulesLoaderOptions<F>) {
    this.compiler = new RuleCompiler<F>({ eventCodes: options.eventCodes });
    this.sources = new Map(options.sources.map((s) => [s.name, s]));
  }

  /** Load one rules content (Falco's load_rules). */
  load(content: string, name: string): LoadResult {
    this.contents.set(name, content);
    const cfg: LoadConfig = {
      name,
      content,
      sources: this.sources,
      res: new LoadResult(name),
      extraOutputFormat: this.options.extraOutputFormat ?? [],
      extraOutputFields: this.options.extraOutputFields ?? [],
    };
    if (readRulesContent(cfg, this.collector)) {
      const out = this.compiler.compile(cfg, this.collector);
      if (cfg.res.successful) this.output = out;
    }
    return cfg.res;
  }

  /**
   * Load several contents in order. With `stopOnError` (Falco's normal start-up) loading
   * stops after the first failing content; without it (validation), every content is
   * tried and reported.
   */
  loadAll(files: readonly RulesContent[], stopOnError = true): LoadResult[] {
    const results: LoadResult[] = [];
    for (const f of files) {
      const r = this.load(f.content, f.name);
      results.push(r);
      if (!r.successful && stopOnError) break;
    }
    return results;
  }

  /** Falco's `--validate ... -o json_output=true` document for these results. */
  validationJSON(results: readonly LoadResult[]): { falco_load_results: LoadResultJSON[] } {
    return validationJSON(results, this.contents);
  }

  /**
   * Falco's check_plugin_requirements: every `required_plugin_versions` entry must be met
   * by one of its alternatives among `plugins` (same major, not older). Returns the error
   * text, or undefined when all requirements are met.
   */
  checkPluginRequirements(plugins: readonly PluginRequirement[]): string | undefined {
    return checkPluginRequirements(this.collector.requiredPluginVersions, plugins);
  }

  /**
   * The default ruleset Falco builds after loading: rules of `source` at or above
   * `minPriority`, enabled or disabled by their `enabled` flag.
   */
  buildRuleset(minPriority: Priority = PRIORITY_DEBUG, source = SYSCALL_SOURCE): Ruleset<F> {
    const out = this.output;
    const rs = new Ruleset<F>();
    if (!out) return rs;
    for (const r of out.rules) {
      if (r.priority <= minPriority && r.source === source) rs.add(r);
    }
    for (const r of out.rules) {
      if (r.priority > minPriority || r.source !== source) continue;
      const info = this.collector.rules.get(r.name);
      if (info?.enabled) rs.enable(r.name, 'exact');
      else rs.disable(r.name, 'exact');
    }
    return rs;
  }
}

/** See RulesLoader.checkPluginRequirements. */
export function checkPluginRequirements(
  required: readonly (readonly PluginRequirement[])[],
  plugins: readonly PluginRequirement[],
): string | undefined {
  for (const alternatives of required) {
    let err = '';
    let ok = false;
    outer: for (const req of alternatives) {
      for (const plugin of plugins) {
        if (req.name !== plugin.name) continue;
        const pv = Version.parse(plugin.version);
        if (!pv.valid) {
          err = `Plugin '${plugin.name}' has invalid version string '${plugin.version}'`;
        } else if (!pv.compatibleWith(Version.parse(req.version))) {
          err = `Plugin '${plugin.name}' version '${plugin.version}' is not compatible with required plugin version '${req.version}'`;
        } else {
          ok = true;
        }
        break outer;
      }
    }
    if (!ok) {
      if (err === '') {
        err = 'Plugin requirement not satisfied, must load one of: ' + alternatives.map((r) => `${r.name} (>= ${r.version})`).join(', ');
      }
      return err;
    }
  }
  return undefined;
}
