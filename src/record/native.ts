/**
 * Typed loader of the native recorder addon (native/, built by native/build.mjs).
 * The addon is optional: when it is missing this module says why and what to
 * install instead of failing at import time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options understood by the addon's start(). */
export interface NativeStartOptions {
  out: string;
  /** Kernel side: the eBPF driver (default) or the kernel module's device. */
  driver?: 'ebpf' | 'kmod';
  /** The kernel module's device (default /dev/falco-scap). */
  kmodDevice?: string;
  compress?: 'none' | 'gzip' | 'zstd';
  /** Compression level (gzip 1-9, zstd 1-19); 0 = library default. */
  level?: number;
  /** Bytes of I/O buffers kept per read/write-like event (max 8191). */
  snaplen?: number;
  /** false: only syscalls with dedicated events, no generic events. */
  allEvents?: boolean;
  /** Overwrite an existing file. */
  force?: boolean;
  /** Trace only this process and its descendants. */
  targetPid?: number;
  /** Stop writing after this many events (0 = no limit). */
  maxEvents?: number;
  /** Ring buffer bytes per CPU (rounded up to a power of two, 256 KiB to 256 MiB). */
  ringBytes?: number;
  /** Write only event codes and syscall ids that 2022 readers (sysdig 0.29) know. */
  compat2022?: boolean;
  /**
   * false: no enter events for read, write and generic events, whose exit events carry the
   * same parameters (current libsinsp reads them from there, as Falco's modern probe sends
   * exit events only). Ignored with compat2022.
   */
  redundantEnter?: boolean;
  /**
   * Run the native drain thread SCHED_RR at the lowest real-time priority (default true, when
   * the process may): on a host whose cores are all busy it must keep its share of CPU or the
   * rings overflow, and a nice value alone does not cross sessions (autogroups).
   */
  drainRealtime?: boolean;
  /** Nice value of the drain thread when it does not run real-time, -20..0 (default -20). */
  drainNice?: number;
}

export interface NativeStats {
  /** Event blocks written to the file. */
  eventsWritten: number;
  /** Events the driver pushed into the ring buffers. */
  eventsKernel: number;
  /** Events the driver lost (ring buffer full or event too large). */
  drops: number;
  dropsBufferFull: number;
  dropsTooLarge: number;
  /** Kernel module: events lost because a probe re-entered on one CPU (absent from older addons). */
  dropsNested?: number;
  /** The driver recording (absent from older addons, which only know eBPF). */
  driver?: 'ebpf' | 'kmod';
  /** Ring buffer bytes per CPU as the driver has them. */
  ringBytes?: number;
  /** Uncompressed bytes of all blocks so far. */
  bytes: number;
  /** All blocks so far, state blocks included. */
  blocks: number;
  ncpus: number;
  running: boolean;
  /** The capture stopped by itself: max events reached or a write error. */
  done: boolean;
  error?: string;
  state: { threads: number; fds: number; users: number; groups: number; interfaces: number };
  cpuEvents: number[];
  cpuDrops: number[];
}

export interface NativeRecorder {
  start(options: NativeStartOptions): NativeStats;
  /** Stops, drains every buffer, closes the file; null when nothing runs. */
  stop(): NativeStats | null;
  stats(): NativeStats | null;
  readonly abiVersion: number;
  /** Drivers this build can record with (absent: eBPF only). */
  readonly drivers?: readonly ('ebpf' | 'kmod')[];
}

export const INSTALL_HINT =
  'apt-get install clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev, then run `node native/build.mjs`';

export type LoadResult = { ok: true; addon: NativeRecorder; path: string } | { ok: false; reason: string };

function packageRoot(): string {
  // src/record/native.ts and dist/record/native.js are both two levels below the root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Where the addon is expected (FALCO_SCAP_RECORD_ADDON overrides it at load time). */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'falco_scap_record.node');
}

let cached: LoadResult | undefined;

/** Loads the addon once; never throws. */
export function loadNativeRecorder(): LoadResult {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, reason: 'recording needs Linux (eBPF)' });
  const path = process.env.FALCO_SCAP_RECORD_ADDON || addonPath();
  if (!existsSync(path)) {
    const skipped = join(packageRoot(), 'native', 'build', 'SKIPPED');
    let why = 'the native recorder was not built';
    if (existsSync(skipped)) {
      const first = readFileSync(skipped, 'utf8').split('\n')[0]?.trim();
      if (first) why += `: ${first}`;
    }
    return (cached = { ok: false, reason: `${why}. To build it: ${INSTALL_HINT}` });
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as NativeRecorder;
    if (typeof addon.start !== 'function' || addon.abiVersion !== 1)
      return (cached = { ok: false, reason: `${path} is not a compatible recorder addon: rebuild it with node native/build.mjs` });
    return (cached = { ok: true, addon, path });
  } catch (e) {
    return (cached = {
      ok: false,
      reason: `cannot load ${path}: ${(e as Error).message.split('\n')[0]}. Rebuild it with node native/build.mjs`,
    });
  }
}

/** Why recording cannot work here (privileges), or undefined when it may. */
export function privilegeProblem(): string | undefined {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    // CAP_BPF + CAP_PERFMON also work; the kernel has the last word at load time.
    let caps = 0n;
    try {
      const st = readFileSync('/proc/self/status', 'utf8');
      const m = /^CapEff:\s*([0-9a-f]+)/m.exec(st);
      if (m) caps = BigInt(`0x${m[1]}`);
    } catch {
      /* keep 0 */
    }
    const CAP_SYS_ADMIN = 21n;
    const CAP_PERFMON = 38n;
    const CAP_BPF = 39n;
    const has = (c: bigint) => (caps >> c) & 1n;
    if (!has(CAP_SYS_ADMIN) && !(has(CAP_BPF) && has(CAP_PERFMON)))
      return 'recording loads an eBPF program: run as root (or with CAP_BPF and CAP_PERFMON)';
  }
  return undefined;
}
