#!/usr/bin/env node
// A stand-in for dist/cli/main.js with only `test` registered and the fake engine wired,
// so tests can spawn a real process (exit codes, no hang after worker threads).
//   node test/testing/cli-entry.mjs test SPEC... [options]
// FALCO_SCAP_TEST_ENGINE overrides the engine module (default: ./fake-engine.mjs).
import { Command } from 'commander';
import { registerTest } from '../../dist/cli/test.js';
import { configureExits, reportError } from '../../dist/cli/run.js';

const engine = process.env.FALCO_SCAP_TEST_ENGINE ?? new URL('./fake-engine.mjs', import.meta.url).href;
const program = configureExits(new Command('falco-scap'));
registerTest(program, { engine: { module: engine } });
for (const c of program.commands) configureExits(c);
program.parseAsync(process.argv).catch(reportError);
