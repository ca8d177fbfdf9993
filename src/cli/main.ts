#!/usr/bin/env node
import { Command } from 'commander';
import { configureExits, reportError } from './run.js';
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

buildProgram(process.argv[2])
  .then((program) => program.parseAsync(process.argv))
  .catch(reportError);
