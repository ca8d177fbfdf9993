import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { DRIVER_CHOICES, type DriverChoice } from '../record/driver.js';
import { record, type RecordStats } from '../record/recorder.js';
import { parseDuration } from '../scap/time.js';
import { action } from './run.js';

interface RecordCliOptions {
  write: string;
  driver: string;
  kmodDevice?: string;
  duration?: string;
  maxEvents?: string;
  snaplen: string;
  compress: string;
  events: string;
  force?: boolean;
  compat2022?: boolean;
  redundantEnter: boolean;
  stats: boolean;
}

function positiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new InputError(`${flag}: '${text}' is not a whole number between 1 and ${max}`);
  return Number(text);
}

function statsLine(s: RecordStats, startedMs: number, final: boolean): string {
  const secs = Math.max(0.001, (performance.now() - startedMs) / 1000);
  const mb = (s.bytes / (1024 * 1024)).toFixed(1);
  return `${final ? 'recorded' : 'recording'}: ${s.eventsWritten} events (${Math.round(s.eventsWritten / secs)}/s), ${s.drops} dropped, ${mb} MiB`;
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record system calls on this host into a SCAP capture (eBPF driver or the falco_scap kernel module; needs root)')
    .argument('[command...]', 'trace only this command and its descendants (after --)')
    .requiredOption('-w, --write <file>', 'capture file to write')
    .option('--driver <kind>', 'kmod (the falco_scap kernel module), ebpf, or auto: kmod when its device exists, else ebpf', 'auto')
    .option('--kmod-device <path>', "the kernel module's device", '/dev/falco-scap')
    .option('--duration <time>', 'stop after this long (e.g. 30s, 5m)')
    .option('--max-events <n>', 'stop after this many events')
    .option('--snaplen <bytes>', 'bytes of I/O buffers to keep per event (eBPF driver)', '80')
    .option('--compress <kind>', 'none, gzip or zstd', 'none')
    .option('--events <set>', "core (syscalls with their own events) or all (the rest as generic events)", 'all')
    .option('-f, --force', 'overwrite the file if it exists')
    .option('--compat2022', 'write only event versions sysdig 0.29 (2022) reads')
    .option('--no-redundant-enter', "leave out the enter events whose exit event carries the same parameters (read, write, generic), as Falco's modern probe does (not with --compat2022)")
    .option('--no-stats', 'no live statistics on stderr')
    .addHelpText(
      'after',
      '\nExamples:\n  falco-scap record -w host.scap --duration 30s --compress zstd\n  falco-scap record -w suspect.scap -- ./suspicious-script.sh --flag\n  falco-scap record --driver kmod -w host.scap --duration 10s   (after insmod falco_scap.ko)',
    )
    .action(
      action(async (command: string[], opts: RecordCliOptions) => {
        if (!(DRIVER_CHOICES as readonly string[]).includes(opts.driver)) throw new InputError(`--driver: '${opts.driver}' is not one of kmod, ebpf, auto`);
        if (!['none', 'gzip', 'zstd'].includes(opts.compress)) throw new InputError(`--compress: '${opts.compress}' is not one of none, gzip, zstd`);
        if (!['core', 'all'].includes(opts.events)) throw new InputError(`--events: '${opts.events}' is not one of core, all`);
        let durationMs: number | undefined;
        if (opts.duration !== undefined) {
          const ns = parseDuration(opts.duration);
          if (ns === undefined || ns <= 0n) throw new InputError(`--duration: cannot parse '${opts.duration}' (use e.g. 30s, 500ms, 5m)`);
          durationMs = Number(ns / 1_000_000n);
        }
        const started = performance.now();
        const live = opts.stats && process.stderr.isTTY;
        const result = await record({
          out: opts.write,
          driver: opts.driver as DriverChoice,
          ...(opts.kmodDevice !== undefined ? { kmodDevice: opts.kmodDevice } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}),
          ...(opts.maxEvents !== undefined ? { maxEvents: positiveInt(opts.maxEvents, '--max-events') } : {}),
          snaplen: positiveInt(opts.snaplen, '--snaplen', 8191),
          compress: opts.compress as 'none' | 'gzip' | 'zstd',
          events: opts.events as 'core' | 'all',
          force: opts.force ?? false,
          compat2022: opts.compat2022 ?? false,
          ...(opts.redundantEnter === false ? { redundantEnter: false } : {}),
          ...(command.length > 0 ? { command } : {}),
          ...(live ? { onStats: (s: RecordStats) => process.stderr.write(`\r${statsLine(s, started, false)}\x1b[K`) } : {}),
        });
        if (live) process.stderr.write('\r\x1b[K');
        process.stderr.write(`${result.file}: ${statsLine(result.stats, started, true)} (driver: ${result.driver}, stopped: ${result.reason})\n`);
        if (result.stats.drops > 0) process.stderr.write(`warning: ${result.stats.drops} events were dropped (ring buffers full); ${result.driver === 'kmod' ? 'reload the module with a larger ring_kb' : 'try a larger host budget'} or fewer events\n`);
        if (result.commandExitCode !== undefined && result.commandExitCode !== null && result.commandExitCode !== 0) {
          process.stderr.write(`note: the traced command exited with ${result.commandExitCode}\n`);
        }
      }),
    );
}
