/**
 * `record`: capture live system activity into a SCAP file with the eBPF driver
 * or the kernel module (`driver`).
 * Events never pass through JavaScript: the native addon drains the kernel's
 * ring buffers and writes blocks itself; this module starts and stops it, runs
 * an optional command under trace and decides when to stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { chooseDriver, type DriverChoice, type DriverKind } from './driver.js';
import { loadNativeRecorder, type NativeStats } from './native.js';

export type { DriverChoice, DriverKind } from './driver.js';

export type RecordStats = NativeStats;

export interface RecordOptions {
  /** Output capture file. */
  out: string;
  /**
   * Kernel side: 'ebpf' (CO-RE eBPF driver), 'kmod' (the falco_scap kernel module, through
   * its device) or 'auto' (default: the module when its device exists, else eBPF).
   */
  driver?: DriverChoice;
  /** The kernel module's device (default /dev/falco-scap). */
  kmodDevice?: string;
  /** Stop after this long. */
  durationMs?: number;
  /** Stop after this many events (the file holds exactly this many when reached). */
  maxEvents?: number;
  /** Bytes of data kept for read/write-like syscalls (default 80, max 8191; eBPF driver only). */
  snaplen?: number;
  /** Output compression (default none). */
  compress?: 'none' | 'gzip' | 'zstd';
  /** Compression level; 0/undefined = library default. */
  level?: number;
  /** 'core': only syscalls with dedicated events; 'all' (default): others as generic events. */
  events?: 'core' | 'all';
  /**
   * Run this command and trace only it and its descendants; the recording stops when it
   * exits. It is started stopped and released once tracing is ready, so its execve is in
   * the capture.
   */
  command?: string[];
  /** Overwrite an existing output file. */
  force?: boolean;
  /** Only event codes and syscall ids known to 2022 readers such as sysdig 0.29. */
  compat2022?: boolean;
  /**
   * false: leave out the enter events of read, write and generic events, whose exit events
   * carry the same parameters (fd and size; syscall ids), as Falco's modern probe sends exit
   * events only: an I/O-heavy load makes half the events. Only the enter timestamps (syscall
   * latency) are lost. Default true; always true with compat2022 (2022 readers take the fd
   * from the enter event).
   */
  redundantEnter?: boolean;
  /**
   * Ring buffer size per CPU in bytes (default: 16 MiB up to 4 CPUs, then 64 MiB shared out, at least 1 MiB);
   * rounded up to a power of two between 256 KiB and 256 MiB.
   * eBPF driver only: the module's rings are sized when it is loaded (ring_kb).
   */
  ringBytes?: number;
  /**
   * Native drain and writer threads' scheduling (see NativeStartOptions). Default: real-time
   * when recording the whole host, where the load may come from any session and fill every
   * core; nice -20 when tracing a command, whose load shares the recorder's session, so the
   * nice value already wins the CPU, and real-time threads would preempt the traced command
   * itself (on 2 cores: dd bs=1 490 -> 393 ms, tar 569 -> 441 ms median wall, no drops).
   */
  drainRealtime?: boolean;
  drainNice?: number;
  /** Called about every statsIntervalMs (default 1000) while recording, and once at the end. */
  onStats?: (stats: RecordStats) => void;
  statsIntervalMs?: number;
  /** Stop when aborted. */
  signal?: AbortSignal;
  /** Stop on SIGINT/SIGTERM (default true). The handlers are removed afterwards. */
  handleSignals?: boolean;
}

export type StopReason = 'duration' | 'max-events' | 'command-exit' | 'signal' | 'abort' | 'error';

export interface RecordResult {
  file: string;
  /** The driver that recorded. */
  driver: DriverKind;
  reason: StopReason;
  stats: RecordStats;
  /** The command's exit code / signal when a command was run. */
  commandExitCode?: number | null;
  commandSignal?: NodeJS.Signals | null;
}

/** Recording could not start or ended on an error; the file, when kept, is readable up to its last whole block. */
export class RecordError extends InputError {
  constructor(
    message: string,
    readonly stats?: RecordStats,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/** Whether recording with this driver choice can work here; a reason when it cannot. */
export function recordAvailability(
  driver: DriverChoice = 'auto',
  kmodDevice?: string,
): { ok: true; driver: DriverKind } | { ok: false; reason: string } {
  const lr = loadNativeRecorder();
  if (!lr.ok) return { ok: false, reason: lr.reason };
  const d = chooseDriver(driver, kmodDevice !== undefined ? { kmodDevice } : {});
  if (!d.ok) return { ok: false, reason: d.reason };
  if (d.driver === 'kmod' && !(lr.addon.drivers ?? ['ebpf']).includes('kmod'))
    return { ok: false, reason: `${lr.path} predates the kernel-module driver: rebuild it with node native/build.mjs` };
  return { ok: true, driver: d.driver };
}

export function defaultRingBytes(): number {
  const cpus = Math.max(1, availableParallelism());
  // 16 MiB per CPU up to 4 CPUs, then 64 MiB shared out; at least 1 MiB per CPU
  const per = Math.min(16 << 20, Math.floor((64 << 20) / cpus));
  return Math.max(1 << 20, 2 ** Math.floor(Math.log2(per)));
}

// The wrapper waits on fd 3 until tracing is ready, then becomes the command.
const WRAPPER = 'IFS= read -r _ <&3; exec 3<&-; exec "$@"';

export async function record(options: RecordOptions): Promise<RecordResult> {
  const lr = loadNativeRecorder();
  if (!lr.ok) throw new RecordError(`cannot record: ${lr.reason}`);
  const avail = recordAvailability(options.driver ?? 'auto', options.kmodDevice);
  if (!avail.ok) throw new RecordError(`cannot record: ${avail.reason}`);
  const driver = avail.driver;
  if (!options.out) throw new RecordError('record: an output file is required');
  if (existsSync(options.out) && !options.force)
    throw new RecordError(`${options.out} exists: refusing to overwrite it (use force / --force)`);
  if (options.command && options.command.length === 0) throw new RecordError('record: empty command');
  const snaplen = options.snaplen ?? 80;
  if (!Number.isInteger(snaplen) || snaplen < 0 || snaplen > 8191) throw new RecordError('record: snaplen must be 0..8191');

  const addon = lr.addon;
  let child: ChildProcess | undefined;
  let childExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  if (options.command) {
    const [cmd, ...args] = options.command;
    child = spawn('/bin/sh', ['-c', WRAPPER, 'falco-scap-record', cmd!, ...args], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    });
    childExit = new Promise((res) => child!.once('exit', (code, signal) => res({ code, signal })));
    const spawned = await new Promise<Error | undefined>((res) => {
      child!.once('spawn', () => res(undefined));
      child!.once('error', (e) => res(e));
    });
    if (spawned) throw new RecordError(`cannot run ${cmd}: ${spawned.message}`);
  }

  try {
    addon.start({
      out: options.out,
      driver,
      ...(options.kmodDevice !== undefined ? { kmodDevice: options.kmodDevice } : {}),
      compress: options.compress ?? 'none',
      level: options.level ?? 0,
      snaplen,
      allEvents: (options.events ?? 'all') === 'all',
      force: options.force ?? false,
      targetPid: child?.pid ?? 0,
      maxEvents: options.maxEvents ?? 0,
      ringBytes: options.ringBytes ?? defaultRingBytes(),
      compat2022: options.compat2022 ?? false,
      ...(options.redundantEnter !== undefined ? { redundantEnter: options.redundantEnter } : {}),
      drainRealtime: options.drainRealtime ?? child === undefined,
      ...(options.drainNice !== undefined ? { drainNice: options.drainNice } : {}),
    });
  } catch (e) {
    if (child) {
      child.kill('SIGKILL');
      await childExit;
    }
    throw new RecordError(`cannot record: ${(e as Error).message}`);
  }

  // Tracing is live: release the command.
  let childResult: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  if (child) {
    const gate = child.stdio[3] as NodeJS.WritableStream | null;
    gate?.end('\n');
    void childExit!.then((r) => (childResult = r));
  }

  const reason = await new Promise<StopReason>((resolveStop) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const cleanups: (() => void)[] = [];
    const finish = (r: StopReason) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const c of cleanups) c();
      resolveStop(r);
    };
    if (options.durationMs !== undefined) timers.push(setTimeout(() => finish('duration'), options.durationMs));
    const every = options.statsIntervalMs ?? 1000;
    let lastStats = Date.now();
    const poll = setInterval(() => {
      const s = addon.stats();
      if (!s) return;
      if (s.error) return finish('error');
      if (s.done) return finish('max-events');
      if (options.onStats && Date.now() - lastStats >= every) {
        lastStats = Date.now();
        options.onStats(s);
      }
    }, 50);
    cleanups.push(() => clearInterval(poll));
    if (childExit) void childExit.then(() => finish('command-exit'));
    if (options.signal) {
      if (options.signal.aborted) finish('abort');
      const onAbort = () => finish('abort');
      options.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => options.signal!.removeEventListener('abort', onAbort));
    }
    if (options.handleSignals ?? true) {
      const onSig = (sig: NodeJS.Signals) => {
        // The command shares our terminal and got SIGINT itself; SIGTERM is for us only: pass it on.
        if (sig === 'SIGTERM' && child && child.exitCode === null) child.kill('SIGTERM');
        finish('signal');
      };
      process.on('SIGINT', onSig);
      process.on('SIGTERM', onSig);
      cleanups.push(() => {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      });
    }
  });

  // stop() drains every ring buffer before closing the file.
  const stats = addon.stop();
  if (!stats) throw new RecordError('record: the recorder was not running');
  options.onStats?.(stats);
  if (stats.error) throw new RecordError(`record: ${stats.error}`, stats);

  const result: RecordResult = { file: options.out, driver, reason, stats };
  if (child) {
    if (reason === 'command-exit' && !childResult) childResult = await childExit;
    if (childResult) {
      result.commandExitCode = childResult.code;
      result.commandSignal = childResult.signal;
    }
  }
  return result;
}
