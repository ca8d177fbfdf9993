#!/usr/bin/env node
import { Command } from 'commander';
import { registerConvert } from './convert.js';
import { registerInfo } from './info.js';
import { registerInspect } from './inspect.js';
import { registerList } from './list.js';
import { registerReplay } from './replay.js';
import { registerRecord } from './record.js';
import { registerTest } from './test.js';
import { registerValidate } from './validate.js';
import { configureExits, reportError } from './run.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = configureExits(
    new Command('falco-scap')
      .description('Forensics and replay for Falco SCAP captures: inspect, convert and replay captures with Falco rules')
      .version(VERSION, '--version'),
  );
  registerInfo(program);
  registerConvert(program);
  registerInspect(program);
  registerReplay(program);
  registerRecord(program);
  registerList(program);
  registerTest(program);
  registerValidate(program);
  for (const c of program.commands) {
    configureExits(c);
    for (const sub of c.commands) configureExits(sub);
  }
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch(reportError);
