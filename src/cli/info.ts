import type { Command } from 'commander';
import { summarizeCapture, type CaptureSummary } from '../scap/summary.js';
import { formatIsoNs } from '../scap/time.js';
import { action } from './run.js';

/** The few styles the summary uses. */
export interface InfoStyles {
  title(t: string): string;
  heading(t: string): string;
  error(t: string): string;
}

const PLAIN: InfoStyles = { title: (t) => t, heading: (t) => t, error: (t) => t };

/**
 * Styles for stdout. Chalk (and its terminal probing) is loaded only when colors can be
 * on at all: `info` piped or redirected, its usual use in scripts and benchmarks, skips it.
 */
async function stylesFor(stream: NodeJS.WriteStream, json: boolean): Promise<InfoStyles> {
  const force = process.env['FORCE_COLOR'];
  if (json || (!stream.isTTY && (force === undefined || force === '0'))) return PLAIN;
  const c = (await import('./output.js')).colorsFor(stream);
  return { title: (t) => c.bold.cyan(t), heading: (t) => c.bold(t), error: (t) => c.red(t) };
}

/** Writes to stdout with backpressure (as output.ts's writeOut, without loading chalk). */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function formatDuration(ns: bigint): string {
  const s = Number(ns) / 1e9;
  return s >= 1 ? `${s.toFixed(3)} s` : `${(Number(ns) / 1e6).toFixed(3)} ms`;
}

export function renderSummary(s: CaptureSummary, c: InfoStyles = PLAIN): string {
  const lines: string[] = [];
  const h = (t: string) => lines.push(c.heading(t));
  const kv = (k: string, v: string | number) => lines.push(`  ${(k + ':').padEnd(14)} ${v}`);
  lines.push(c.title(s.file));
  h('Format');
  kv('compression', s.format.compression);
  if (s.format.fileBytes !== undefined) kv('file size', formatBytes(s.format.fileBytes));
  kv('pcap-ng bytes', formatBytes(s.format.streamBytes));
  for (const sec of s.format.sections) {
    kv('section', `version ${sec.version}, ${sec.byteOrder}`);
    for (const o of sec.options) kv(`  ${o.name}`, o.value);
  }
  if (s.machine) {
    h('Machine');
    kv('hostname', s.machine.hostname);
    kv('cpus', s.machine.cpus);
    kv('memory', formatBytes(s.machine.memoryBytes));
  }
  h('Blocks');
  for (const b of s.blocks) kv(b.type, b.count);
  h('State');
  kv('threads', s.state.threads);
  kv('processes', s.state.processes);
  kv('fds', s.state.fds);
  kv('users', s.state.users);
  kv('groups', s.state.groups);
  kv('interfaces', s.state.interfaces);
  h('Events');
  kv('total', s.events.total);
  if (s.events.firstTs !== undefined && s.events.lastTs !== undefined && s.events.durationNs !== undefined) {
    kv('first', formatIsoNs(BigInt(s.events.firstTs)));
    kv('last', formatIsoNs(BigInt(s.events.lastTs)));
    kv('duration', formatDuration(BigInt(s.events.durationNs)));
  }
  const byType = [...s.events.byType].sort((a, b) => b.count - a.count || a.code - b.code);
  if (byType.length) {
    h('Events by type');
    const w = Math.max(...byType.map((t) => String(t.count).length));
    for (const t of byType) lines.push(`  ${String(t.count).padStart(w)}  ${t.direction} ${t.name} (${t.code})`);
  }
  if (s.error) lines.push(c.error(`error: ${s.error}`));
  return lines.join('\n') + '\n';
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('summarise captures: format, machine, state, block and event counts')
    .argument('<capture...>', 'capture files (raw, gzip or zstd)')
    .option('--json', 'print one JSON document per capture (an array when several)')
    .addHelpText('after', '\nExamples:\n  falco-scap info trace.scap\n  falco-scap info --json a.scap b.scap.gz')
    .action(action(runInfo));
}

/** The `info` command itself: summarises each capture, prints text or JSON, sets the exit code. */
export async function runInfo(captures: string[], opts: { json?: boolean }): Promise<void> {
  const results: CaptureSummary[] = [];
  const colors = await stylesFor(process.stdout, opts.json === true);
  const faults: string[] = [];
  for (const path of captures) {
    const s = await summarizeCapture(path);
    results.push(s);
    if (!opts.json) await writeOut((results.length > 1 ? '\n' : '') + renderSummary(s, colors));
    if (s.error) faults.push(s.error);
  }
  if (opts.json) await writeOut(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
  // What was decoded before a fault is printed above; the fault itself ends the run with 2.
  for (const f of faults) process.stderr.write(`falco-scap: ${f}\n`);
  if (faults.length) process.exitCode = 2;
}

/**
 * The captures of a plain `info [--json] CAPTURE...` command line (the arguments after the
 * program), or undefined for anything else: help, `--`, another option, an argument that
 * starts with a dash, no capture. What this accepts, commander parses to the same captures
 * and options, so main.ts can run it without loading commander.
 */
export function plainInfoArgs(args: readonly string[]): { captures: string[]; json: boolean } | undefined {
  if (args[0] !== 'info') return undefined;
  const captures: string[] = [];
  let json = false;
  for (const a of args.slice(1)) {
    if (a === '--json') json = true;
    else if (a.startsWith('-') || a === '') return undefined;
    else captures.push(a);
  }
  return captures.length > 0 ? { captures, json } : undefined;
}
