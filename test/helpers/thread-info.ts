import { ThreadInfo } from '../../src/replay/state/model.js';

/** A bare thread for ThreadTable tests: TID of process PID (default its own), parent 1. */
export function threadInfo(tid: number, pid = tid): ThreadInfo {
  const t = new ThreadInfo();
  t.tid = tid;
  t.pid = pid;
  t.ptid = 1;
  return t;
}
