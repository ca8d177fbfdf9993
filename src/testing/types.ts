/**
 * The contract between `falco-scap test` and the replay engine. The engine module
 * (src/replay/engine.ts) exports `replayForTest(req: ReplayRequest): Promise<ReplayOutcome>`;
 * the test runner loads it lazily inside each worker thread, so tests can substitute a
 * fake module.
 */
export interface ReplayRequest {
  captures: string[];
  rulesFiles: string[];
  configFile?: string;
  overrides: string[];
}

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

/** The engine entry point's type. */
export type ReplayForTest = (req: ReplayRequest) => Promise<ReplayOutcome>;
