import type { Command } from 'commander';
import { listEvents } from '../scap/event-list.js';
import { action } from './run.js';
import { writeOut } from './output.js';

export function registerList(program: Command): Command {
  const list = program.command('list').description("list what falco-scap knows: events, fields, rules (Falco's --list-events, --list, -L)");
  list
    .command('events')
    .description('the event table: every event type with its direction and parameters')
    .option('--all', 'include old event versions kept for old captures')
    .option('--json', 'JSON output')
    .addHelpText('after', '\nExample:\n  falco-scap list events | grep openat')
    .action(
      action(async (opts: { all?: boolean; json?: boolean }) => {
        const events = listEvents({ includeOld: opts.all ?? false });
        if (opts.json) {
          await writeOut(JSON.stringify(events, null, 2) + '\n');
          return;
        }
        const lines = events.map((e) => `${e.category === 'syscall' ? 'syscall' : e.category} ${e.direction} ${e.name}(${e.params})${e.oldVersion ? ' [old version]' : ''}`);
        await writeOut(lines.join('\n') + '\n');
      }),
    );
  return list;
}
