import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { InvalidArgumentError, type Command } from 'commander';
import { InputError } from '../errors.js';
import { loadSpecs, type TestCase } from '../testing/spec.js';
import { CASES_PER_WORKER, DEFAULT_ENGINE_MODULE, exitCodeFor, renderStats, runCases, type CaseResult, type EngineSource, type WorkerStats } from '../testing/runner.js';
import { threadCpu } from '../testing/thread-cpu.js';
import type { TestPluginSpec } from '../testing/types.js';
import { renderCase, renderHuman, renderSummary } from '../testing/reporters/human.js';
import { renderJunit } from '../testing/reporters/junit.js';
import { renderTap } from '../testing/reporters/tap.js';
import { renderJson } from '../testing/reporters/json.js';
import { REPORTERS, type Report, type ReporterName } from '../testing/reporters/report.js';
import { action } from './run.js';
import { colorsFor } from './output.js';

export interface TestCommandOptions {
  /** Case filters: a substring of `spec › name` (case-insensitive), or `/regex/flags`. Any may match. */
  readonly filter?: readonly string[];
  readonly reporter?: ReporterName;
  /** Write the report here instead of stdout. */
  readonly output?: string;
  readonly jobs?: number;
  readonly update?: boolean;
  /** `--plugin PATH[:INIT_CONFIG]`: plugins every case loads, after its spec's `plugins:`. */
  readonly plugin?: readonly string[];
}

/** What the command runs against; tests substitute a fake engine and capture output. */
export interface TestDeps {
  /** Default: the real engine module, dist/testing/engine.js, loaded in each worker thread. */
  readonly engine?: EngineSource;
  /** Default: dist/testing/worker.js. */
  readonly workerUrl?: URL;
  readonly cwd?: string;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  /** Default: as needed, or all of --jobs with FALCO_SCAP_TEST_WORKERS=all (see runner.ts workersFor). */
  readonly workers?: 'as-needed' | 'all';
}

/** Streams whose reader went away (`| head`): later writes are dropped, as a pipeline expects. */
const closedStreams = new WeakSet<NodeJS.WritableStream>();
const watchedStreams = new WeakSet<NodeJS.WritableStream>();

function watchForClosedPipe(stream: NodeJS.WritableStream): void {
  if (watchedStreams.has(stream)) return;
  watchedStreams.add(stream);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closedStreams.add(stream);
    else throw e;
  });
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  watchForClosedPipe(stream);
  if (closedStreams.has(stream)) return Promise.resolve();
  return new Promise((resolvePromise) => {
    if (stream.write(text)) {
      resolvePromise();
      return;
    }
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      resolvePromise();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}

function chalkFor(stream: NodeJS.WritableStream): ChalkInstance {
  return stream === process.stdout ? colorsFor(process.stdout) : new Chalk({ level: 0 });
}

export function caseFilter(filters: readonly string[]): (c: TestCase) => boolean {
  const tests = filters.map((f) => {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(f);
    if (m) {
      let re: RegExp;
      try {
        re = new RegExp(m[1]!, m[2]);
      } catch (e) {
        throw new InputError(`--filter ${f}: invalid regex: ${(e as Error).message}`);
      }
      return (c: TestCase) => re.test(c.fullName);
    }
    const needle = f.toLowerCase();
    return (c: TestCase) => c.fullName.toLowerCase().includes(needle);
  });
  return (c) => tests.length === 0 || tests.some((t) => t(c));
}

/** Longest a finished case's line waits before it is written (lines of cases ending meanwhile join it). */
const LINE_FLUSH_MS = 50;

/** Runs `falco-scap test`; returns the exit code (0 pass, 1 failures, 2 spec/input errors, 70 internal). */
export async function runTestCommand(paths: readonly string[], opts: TestCommandOptions, deps: TestDeps = {}): Promise<number> {
  const cwd = deps.cwd ?? process.cwd();
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const reporter = opts.reporter ?? 'human';
  const jobs = opts.jobs ?? availableParallelism();
  const startedAt = new Date();
  const t0 = performance.now();

  const loaded = loadSpecs(paths, cwd);
  if (loaded.errors.length > 0) {
    for (const e of loaded.errors) await write(stderr, `falco-scap: ${e.message}\n`);
    await write(stderr, `falco-scap: ${loaded.errors.length} spec error${loaded.errors.length === 1 ? '' : 's'}; no cases were run\n`);
    return 2;
  }
  const cases = (await withPlugins(loaded.cases, opts.plugin ?? [], cwd)).filter(caseFilter(opts.filter ?? []));
  if (cases.length === 0) {
    throw new InputError(opts.filter?.length ? `no cases match --filter ${opts.filter.join(', ')} (${loaded.cases.length} cases in the specs)` : 'the specs contain no cases');
  }

  // The human lines stream to stdout as cases finish, unless stdout carries a machine report.
  const humanOnStdout = reporter === 'human' ? opts.output === undefined : opts.output !== undefined;
  const c = chalkFor(stdout);
  const pendingWrites: Promise<void>[] = [];
  // Case lines are gathered for a moment and written together: one write per case is a
  // system call per case in the main thread, which the workers need the CPU for.
  let lines = '';
  let flushTimer: NodeJS.Timeout | undefined;
  const flushLines = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (lines !== '') pendingWrites.push(write(stdout, lines));
    lines = '';
  };
  let statsText = '';
  const results: CaseResult[] = await runCases(cases, {
    jobs,
    engine: deps.engine ?? { module: DEFAULT_ENGINE_MODULE },
    update: opts.update ?? false,
    cwd,
    ...(deps.workerUrl !== undefined && { workerUrl: deps.workerUrl }),
    // For benchmarks and diagnosis: every worker --jobs allows, however short the suite.
    workers: deps.workers ?? (process.env.FALCO_SCAP_TEST_WORKERS === 'all' ? 'all' : 'as-needed'),
    onResult: (r) => {
      if (!humanOnStdout) return;
      lines += renderCase(r, c);
      flushTimer ??= setTimeout(flushLines, LINE_FLUSH_MS);
    },
    // For benchmarks (bench/test-jobs.sh): how the work was split between threads.
    ...(process.env.FALCO_SCAP_TEST_STATS && { onStats: (w: readonly WorkerStats[]) => void (statsText = renderStats(w, threadCpu())) }),
  });
  flushLines();
  await write(stderr, statsText);
  await Promise.all(pendingWrites);
  const report: Report = { results, durationMs: performance.now() - t0, startedAt };
  if (humanOnStdout) await write(stdout, renderSummary(report, c));

  let text: string | undefined;
  switch (reporter) {
    case 'junit':
      text = renderJunit(report);
      break;
    case 'tap':
      text = renderTap(report);
      break;
    case 'json':
      text = renderJson(report);
      break;
    case 'human':
      text = opts.output !== undefined ? renderHuman(report, new Chalk({ level: 0 })) : undefined;
      break;
  }
  if (text !== undefined) {
    if (opts.output !== undefined) {
      const file = resolve(cwd, opts.output);
      try {
        mkdirSync(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, text);
        renameSync(tmp, file);
      } catch (e) {
        throw new InputError(`--output ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else {
      await write(stdout, text);
    }
  }
  return exitCodeFor(results);
}

/** Adds the `--plugin` plugins (paths relative to cwd) to every case's request. */
async function withPlugins(cases: readonly TestCase[], args: readonly string[], cwd: string): Promise<TestCase[]> {
  if (args.length === 0) return [...cases];
  // Imported only when needed: the plugin host brings the plugin loader and the field
  // registry, which the workers use and the main thread (parsing specs, handing out cases)
  // does not; every module it loads delays the start of the workers.
  const { parsePluginArg } = await import('../replay/plugins/host.js');
  const extra: TestPluginSpec[] = args.map((a) => {
    const p = parsePluginArg(a);
    return { libraryPath: resolve(cwd, p.libraryPath), initConfig: p.initConfig, origin: p.origin };
  });
  return cases.map((c) => ({ ...c, request: { ...c.request, plugins: [...(c.request.plugins ?? []), ...extra] } }));
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function parseReporter(v: string): ReporterName {
  if (!(REPORTERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of: ${REPORTERS.join(', ')}`);
  return v as ReporterName;
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function registerTest(program: Command, deps: TestDeps = {}): void {
  program
    .command('test')
    .description('regression-test Falco rules against stored captures, as described by YAML spec files')
    .argument('[spec...]', 'spec files, or directories searched for *.test.yaml / *.test.yml (default: .)')
    .option('--filter <name>', 'run only cases whose "spec › name" contains NAME (case-insensitive) or matches /REGEX/; repeatable', collect)
    .option('--reporter <name>', `report format: ${REPORTERS.join(', ')}`, parseReporter, 'human')
    .option('--output <file>', 'write the report to FILE (the human summary still goes to stdout)')
    .option('-j, --jobs <n>', `at most N cases replayed in parallel on worker threads (default: ${availableParallelism()}, the number of cores); a short suite gets fewer workers, one per ${CASES_PER_WORKER} cases`, parseJobs)
    .option('-u, --update', 'rewrite snapshots from this run instead of comparing them')
    .option('--plugin <path[:init_config]>', "load a Falco plugin in every case (after the spec's plugins:); repeatable", collect)
    .addHelpText(
      'after',
      '\nExit codes: 0 all cases pass, 1 an expectation failed, 2 a spec or input error.\n\nExamples:\n  falco-scap test tests/spec\n  falco-scap test tests/spec --reporter junit --output report.xml\n  falco-scap test rules.test.yaml --filter "shell" --update',
    )
    .action(
      action(async (specs: string[], opts: { filter?: string[]; reporter: ReporterName; output?: string; jobs?: number; update?: boolean; plugin?: string[] }) => {
        process.exitCode = await runTestCommand(specs, opts, deps);
      }),
    );
}
