#!/usr/bin/env node
import type { Command } from 'commander';
import { reportError } from './run.js';
import { VERSION } from '../version.js';

type Register = (program: Command) => unknown;

/**
 * Each command's module, loaded only when that command runs: loading every command (the
 * rule engine, the recorder, the plugin host...) costs more than `info` needs in total.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  info: async () => (await import('./info.js')).registerInfo,
  convert: async () => (await import('./convert.js')).registerConvert,
  inspect: async () => (await import('./inspect.js')).registerInspect,
  replay: async () => (await import('./replay.js')).registerReplay,
  record: async () => (await import('./record.js')).registerRecord,
  list: async () => (await import('./list.js')).registerList,
  test: async () => (await import('./test.js')).registerTest,
  validate: async () => (await import('./validate.js')).registerValidate,
  'plugin-info': async () => (await import('./plugin-info.js')).registerPluginInfo,
};

/** The program with the named command, or with every command (help, unknown commands). */
export async function buildProgram(only?: string): Promise<Command> {
  const [{ Command }, { configureExits }] = await Promise.all([import('commander'), import('./run.js')]);
  const program = configureExits(
    new Command('falco-scap')
      .description('Forensics and replay for Falco SCAP captures: inspect, convert and replay captures with Falco rules')
      .version(VERSION, '--version'),
  );
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program);
  for (const c of program.commands) {
    configureExits(c);
    for (const sub of c.commands) configureExits(sub);
  }
  return program;
}

/**
 * Text written straight to stdout (commander's help, for one) has no sink of its own: a
 * reader that goes away (`| head`) ends it quietly, as the commands' sinks do, and any
 * other write error is one line, not an unhandled 'error' event.
 */
function guardStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    process.stderr.write(`falco-scap: cannot write to standard output: ${e.message}\n`);
    process.exitCode = 2;
  });
}

async function main(argv: string[]): Promise<void> {
  guardStdout();
  // `info [--json] CAPTURE...`, the form scripts and benchmarks run, needs no option
  // parsing: it runs without loading commander, a good part of its start-up. Anything
  // else (help, other options, other commands) goes through commander.
  if (argv[2] === 'info') {
    const info = await import('./info.js');
    const plain = info.plainInfoArgs(argv.slice(2));
    if (plain !== undefined) return info.runInfo(plain.captures, { json: plain.json });
  }
  const program = await buildProgram(argv[2]);
  await program.parseAsync(argv);
}

main(process.argv).catch(reportError);
