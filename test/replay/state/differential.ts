/**
 * Helpers for the differential test: replays a capture through HostState and renders, per
 * event, the fields sysdig prints for `%evt.num %proc.name %thread.tid %proc.pid
 * %proc.ppid %fd.name %proc.cwd %user.name %container.id`, computed straight from state.
 */
import { execFileSync } from 'node:child_process';
import { ScapReader, isStateBlockType } from '../../../src/scap/reader.js';
import { HostState } from '../../../src/replay/state/index.js';
import { ppmeCode } from '../../../src/scap/event-table.js';
import { sanitize } from '../../../src/scap/params.js';

export const FIELDS = ['evt.num', 'proc.name', 'thread.tid', 'proc.pid', 'proc.ppid', 'fd.name', 'proc.cwd', 'user.name', 'container.id'] as const;
const NA = '<NA>';
const SKIP_NUMBERING = new Set(['USER_ADDED_E', 'USER_DELETED_E', 'GROUP_ADDED_E', 'GROUP_DELETED_E'].map((id) => ppmeCode(id)!));

export function renderState(st: HostState, num: number, tid: number): string[] {
  const t = st.thread;
  if (t === undefined) return [String(num), NA, String(tid), NA, NA, st.fd ? st.fd.name : NA, NA, NA, NA];
  const main = st.threads.main(t);
  const ppid = t.isMain ? String(t.ptid) : main !== undefined ? String(main.ptid) : NA;
  const user = st.userName(t) ?? NA;
  // libsinsp's fd fields fall back to the thread's last fd when the event has none (an
  // exit whose enter was not seen, in sysdig 0.29 mode).
  const f = st.fd ?? (st.sysdig029 && st.fdNum !== -1 ? st.threads.getFd(t, st.fdNum) : undefined);
  return [String(num), t.comm, String(t.tid), String(t.pid), ppid, f ? sanitize(f.name) : NA, st.threads.cwd(t), user, t.containerId === '' ? 'host' : t.containerId];
}

/** Our rendering of every event, by event number. */
export async function replay(path: string, sysdig029 = true): Promise<Map<number, string[]>> {
  const st = new HostState({ sysdig029 });
  const out = new Map<number, string[]>();
  const r = await ScapReader.open(path);
  let n = 0;
  try {
    await r.read({
      onBlock(b) {
        if (isStateBlockType(b.type)) st.applyRawBlock(b);
      },
      onEvent(ev) {
        // sysdig 0.29 does not number user/group metaevents (it consumes them while opening the file).
        if (!SKIP_NUMBERING.has(ev.type)) n++;
        st.applyEvent(ev);
        out.set(n, renderState(st, n, ev.tid));
      },
    });
  } finally {
    await r.close();
  }
  return out;
}

const SEP = '\u0001';

/** sysdig's rendering (every printed event), by event number. */
export function sysdigRows(path: string): Map<number, string[]> | undefined {
  const fmt = '*' + FIELDS.map((f) => `%${f}`).join(SEP);
  let text: string;
  try {
    text = execFileSync('sysdig', ['-r', path, '-p', fmt], { encoding: 'latin1', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  const rows = new Map<number, string[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cols = line.split(SEP);
    if (cols.length !== FIELDS.length) continue;
    rows.set(Number(cols[0]), cols);
  }
  return rows;
}

export interface Comparison {
  shown: number;
  matched: number;
  perField: Record<string, number>;
  mismatches: { num: number; ours: string[]; theirs: string[] }[];
}

export function compare(ours: Map<number, string[]>, theirs: Map<number, string[]>): Comparison {
  const perField: Record<string, number> = {};
  for (const f of FIELDS) perField[f] = 0;
  const mismatches: Comparison['mismatches'] = [];
  let matched = 0;
  for (const [num, row] of theirs) {
    const mine = ours.get(num);
    let ok = mine !== undefined;
    FIELDS.forEach((f, i) => {
      if (mine !== undefined && mine[i] === row[i]) perField[f]!++;
      else ok = false;
    });
    if (ok) matched++;
    else mismatches.push({ num, ours: mine ?? [], theirs: row });
  }
  return { shown: theirs.size, matched, perField, mismatches };
}
