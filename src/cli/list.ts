import type { Command } from 'commander';
import { listEvents } from '../scap/event-list.js';
import { listFields } from '../replay/fields/registry.js';
import { loadConfig } from '../replay/config/config.js';
import { DEFAULT_RULES_DIR, loadRules } from '../replay/engine.js';
import { formatPriority, SYSCALL_SOURCE } from '../replay/rules/types.js';
import { InputError } from '../errors.js';
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
  list
    .command('fields')
    .description("the fields rules and outputs can use (Falco's --list)")
    .option('--source <source>', 'only this event source (only "syscall" is known)')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { source?: string; json?: boolean }) => {
        if (opts.source !== undefined && opts.source !== SYSCALL_SOURCE) throw new InputError(`unknown event source '${opts.source}' (known: ${SYSCALL_SOURCE})`);
        const fields = listFields();
        if (opts.json) {
          await writeOut(JSON.stringify(fields.map((f) => ({ source: SYSCALL_SOURCE, ...f })), null, 2) + '\n');
          return;
        }
        const lines: string[] = [];
        let cls = '';
        for (const f of fields) {
          if (f.fieldClass !== cls) {
            cls = f.fieldClass;
            lines.push('', `Field Class: ${cls} (Event Sources: ${SYSCALL_SOURCE})`, '');
          }
          const name = f.arg !== '' && f.arg !== 'none' ? `${f.name}[${f.arg}]` : f.name;
          const flags = f.flags.length > 0 ? ` [${f.flags.join(', ')}]` : '';
          lines.push(`${name.padEnd(30)} ${f.type}${flags}`.trimEnd(), `    ${f.description}`);
        }
        await writeOut(lines.join('\n').replace(/^\n/, '') + '\n');
      }),
    );
  list
    .command('rules')
    .description("the rules of rules files: name, description, priority, tags (Falco's -L)")
    .option('-r, --rules <path>', 'rules file or directory (repeatable); default: the bundled ruleset', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { rules: string[]; json?: boolean }) => {
        const config = loadConfig({});
        const loaded = loadRules(opts.rules.length > 0 ? opts.rules : [DEFAULT_RULES_DIR], config);
        const indexed = loaded.loader.output?.rules;
        const rules = [];
        for (let i = 0; indexed && i < indexed.size; i++) { const r = indexed.at(i); if (r) rules.push(r); }
        const rows = rules.map((r) => ({ name: r.name, desc: r.description, priority: formatPriority(r.priority), source: r.source, tags: r.tags }));
        if (opts.json) {
          await writeOut(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        const lines = rows.map((r) => `${r.name}\n  priority: ${r.priority}  source: ${r.source}  tags: [${r.tags.join(', ')}]\n  ${r.desc.trim().replace(/\s+/g, ' ')}`);
        await writeOut(lines.join('\n') + '\n');
      }),
    );
  return list;
}
