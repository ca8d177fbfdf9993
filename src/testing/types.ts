/**
 * The contract between `falco-scap test` and the replay engine. An engine module exports
 * `prepareForTest` (preferred: load and compile rules once, replay many captures with
 * them; the runner caches what it returns per worker thread) and/or `replayForTest` (one
 * self-contained replay). The runner imports the module inside each worker thread, so
 * tests can substitute a fake module. The real one is src/testing/engine.ts.
 */
export interface ReplayRequest {
  captures: string[];
  rulesFiles: string[];
  configFile?: string;
  overrides: string[];
  /** Falco plugins to load before the rules (the spec's `plugins:` then `--plugin`), in order. */
  plugins?: TestPluginSpec[];
}

/** One plugin of a test case: an absolute library path and its init config text. */
export interface TestPluginSpec {
  libraryPath: string;
  initConfig: string;
  /** Where it was named (spec file:line:column, or `--plugin ARG`), for messages. */
  origin: string;
}

/** What a prepared ruleset depends on: a request without its captures. */
export type RulesRequest = Omit<ReplayRequest, 'captures'>;

export interface TestAlert {
  time: bigint /* ns since epoch */;
  rule: string;
  priority: string /* Falco name e.g. 'Warning' */;
  source: string;
  tags: string[];
  output: string;
  outputFields: Record<string, string | number | boolean | null>;
}

export interface ReplayOutcome {
  alerts: TestAlert[];
  events: number;
}

/** Rules loaded and compiled for one RulesRequest, reusable for any number of replays. */
export interface PreparedRules {
  /**
   * Every rule the loaded rules files define (enabled or not, any priority): expectations
   * naming another rule are spec errors. Undefined when the engine cannot tell.
   */
  readonly ruleNames?: readonly string[];
  /** Replays the captures in order; each call starts from empty state. */
  replay(captures: readonly string[]): Promise<ReplayOutcome>;
}

/** The one-shot engine entry point's type. */
export type ReplayForTest = (req: ReplayRequest) => Promise<ReplayOutcome>;

/** The preparing engine entry point's type. */
export type PrepareForTest = (req: RulesRequest) => Promise<PreparedRules>;

/** What the runner needs from an engine module (at least one of the two). */
export interface TestEngine {
  readonly prepareForTest?: PrepareForTest;
  readonly replayForTest?: ReplayForTest;
}
