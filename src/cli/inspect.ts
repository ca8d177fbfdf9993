import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { inspectCapture, type InspectOptions } from '../replay/inspect/index.js';
import type { BufferFormat } from '../scap/params.js';
import { action } from './run.js';

/** The reader of our output went away (`| head`): stop quietly, as a pipeline expects. */
class BrokenPipe extends Error {}

/** A sink for stdout with backpressure that turns EPIPE into a quiet stop. */
function stdoutSink(): { sink: (text: string) => Promise<void>; dispose: () => void } {
  const out = process.stdout;
  let broken = false;
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') broken = true;
    else throw e;
  };
  out.on('error', onError);
  const sink = async (text: string): Promise<void> => {
    if (broken) throw new BrokenPipe();
    if (!out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('error', done);
          resolve();
        };
        out.once('drain', done);
        out.once('error', done);
      });
    }
    if (broken) throw new BrokenPipe();
  };
  return { sink, dispose: () => out.off('error', onError) };
}

interface InspectFlags {
  print?: string;
  json?: boolean;
  numevents?: string;
  verbose?: boolean;
  printAscii?: boolean;
  printHex?: boolean;
  printHexAscii?: boolean;
  printBase64?: boolean;
}

function bufferFormat(o: InspectFlags): BufferFormat | undefined {
  const chosen: BufferFormat[] = [];
  if (o.printAscii) chosen.push('ascii');
  if (o.printHex) chosen.push('hex');
  if (o.printHexAscii) chosen.push('hexascii');
  if (o.printBase64) chosen.push('base64');
  if (chosen.length > 1) throw new InputError('choose one of -A, -x, -X, -b');
  return chosen[0];
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("print a capture's events exactly as `sysdig -r` (0.29) does, optionally filtered and formatted")
    .argument('<capture>', 'capture file (raw, gzip or zstd)')
    .argument('[filter...]', "a sysdig filter, e.g. proc.name=cat and evt.type=openat (several words are joined with spaces)")
    .option('-p, --print <format>', "output format, e.g. '%evt.num %proc.name %fd.name'; a leading * prints lines with missing fields as <NA>")
    .option('-j, --json', 'one JSON object per event')
    .option('-n, --numevents <n>', 'stop after N events that pass the filter (hidden internal events count, as in sysdig)')
    .option('-v, --verbose', 'do not cut data buffers at 80 characters')
    .option('-A, --print-ascii', 'print only the printable characters of data buffers')
    .option('-x, --print-hex', 'print data buffers in hex')
    .option('-X, --print-hex-ascii', 'print data buffers in hex and ASCII')
    .option('-b, --print-base64', 'print data buffers in base64')
    .addHelpText(
      'after',
      '\nExamples:\n  falco-scap inspect trace.scap\n  falco-scap inspect trace.scap "proc.name=cat and evt.type=openat"\n  falco-scap inspect trace.scap -p "%evt.num %proc.name %fd.name" fd.type=file\n  falco-scap inspect trace.scap -j -n 10',
    )
    .action(
      action(async (capture: string, filterWords: string[], o: InspectFlags) => {
        let limit: number | undefined;
        if (o.numevents !== undefined) {
          if (!/^[0-9]+$/.test(o.numevents) || Number(o.numevents) <= 0 || !Number.isSafeInteger(Number(o.numevents))) {
            throw new InputError(`-n: invalid event count '${o.numevents}'`);
          }
          limit = Number(o.numevents);
        }
        const buf = bufferFormat(o);
        const opts: InspectOptions = {
          ...(filterWords.length > 0 ? { filter: filterWords.join(' ') } : {}),
          ...(o.print !== undefined ? { format: o.print } : {}),
          ...(o.json ? { json: true } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(o.verbose ? { verbose: true } : {}),
          ...(buf !== undefined ? { bufferFormat: buf } : {}),
        };
        const { sink, dispose } = stdoutSink();
        try {
          await inspectCapture(capture, opts, sink);
        } catch (e) {
          if (!(e instanceof BrokenPipe)) throw e;
        } finally {
          // After EPIPE, later writes must not raise unhandled errors either.
          process.stdout.on('error', () => undefined);
          dispose();
        }
      }),
    );
}
