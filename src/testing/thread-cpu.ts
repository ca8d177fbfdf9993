/**
 * CPU time of the calling thread, for `FALCO_SCAP_TEST_STATS`: Linux's
 * /proc/thread-self/schedstat gives nanoseconds on a CPU and nanoseconds spent runnable but
 * waiting for one (the second shows how busy the machine was). Undefined elsewhere.
 */
import { readFileSync } from 'node:fs';

export interface ThreadCpu {
  /** Milliseconds this thread ran on a CPU. */
  readonly runMs: number;
  /** Milliseconds this thread was ready to run but waited for a CPU. */
  readonly waitMs: number;
}

export function threadCpu(): ThreadCpu | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/thread-self/schedstat', 'utf8');
  } catch {
    return undefined;
  }
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  if (run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
  return { runMs: run / 1e6, waitMs: wait / 1e6 };
}
