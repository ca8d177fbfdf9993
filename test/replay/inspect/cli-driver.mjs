// Runs the built `inspect` command (dist/cli/inspect.js) the way dist/cli/main.js does,
// for as long as main.ts does not register it yet (see helpers.ts: runInspect).
import { Command } from 'commander';

const { registerInspect } = await import(new URL('../../../dist/cli/inspect.js', import.meta.url).href);
const { configureExits, reportError } = await import(new URL('../../../dist/cli/run.js', import.meta.url).href);

const program = configureExits(new Command('falco-scap'));
registerInspect(program);
for (const c of program.commands) configureExits(c);
program.parseAsync(process.argv).catch(reportError);
