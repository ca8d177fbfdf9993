import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { convertCapture } from '../scap/convert.js';
import { parseTimePoint } from '../scap/time.js';
import { parseEventTypeList } from '../scap/event-types.js';
import type { Compression } from '../pcapng/source.js';
import { action } from './run.js';

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('copy a capture: recompress, cut a time window, or keep only some event types (state blocks are always kept)')
    .argument('<in>', 'input capture (raw, gzip or zstd)')
    .argument('<out>', 'output capture')
    .option('--compress <kind>', 'output compression: none, gzip or zstd', 'none')
    .option('--start <time>', 'keep events from this time: a duration from the first event (10s, 250ms), ns since the epoch, or ISO 8601')
    .option('--end <time>', 'keep events before this time (same forms as --start)')
    .option('--event-types <list>', 'keep only these event types, comma separated (e.g. open,openat,execve)')
    .option('-f, --force', 'overwrite OUT if it exists')
    .addHelpText('after', '\nExample:\n  falco-scap convert trace.scap small.scap.zst --compress zstd --start 5s --end 20s --event-types execve,openat')
    .action(
      action(async (input: string, output: string, opts: { compress: string; start?: string; end?: string; eventTypes?: string; force?: boolean }) => {
        if (!COMPRESSIONS.includes(opts.compress as Compression)) {
          throw new InputError(`--compress: '${opts.compress}' is not one of ${COMPRESSIONS.join(', ')}`);
        }
        const result = await convertCapture(input, output, {
          compression: opts.compress as Compression,
          ...(opts.start !== undefined ? { start: parseTimePoint(opts.start, '--start') } : {}),
          ...(opts.end !== undefined ? { end: parseTimePoint(opts.end, '--end') } : {}),
          ...(opts.eventTypes !== undefined ? { eventTypes: parseEventTypeList(opts.eventTypes, '--event-types') } : {}),
          force: opts.force ?? false,
        });
        process.stderr.write(
          `${output}: wrote ${result.eventsWritten} of ${result.eventsRead} events and ${result.stateBlocks} state blocks` +
            (result.unknownBlocks ? ` (dropped ${result.unknownBlocks} blocks of unknown type)` : '') +
            '\n',
        );
      }),
    );
}
