/**
 * Per-event extraction of plugin fields on syscall events (SyscallColumns): one native call
 * per event and plugin for every field already known to be read, none on events where no
 * field is read, <NA> on event codes the plugin does not extract from, and the threads table
 * pointed at the context's state before the call.
 */
import { describe, expect, it } from 'vitest';
import { parsePluginFields, PluginFieldBinder } from '../../src/plugins/fields.js';
import type { NativeExtractField, NativeValue } from '../../src/plugins/native.js';
import { threadsTable } from '../../src/plugins/tables.js';
import { createReplayContext } from '../../src/replay/fields/context.js';
import { HostState } from '../../src/replay/state/index.js';
import { SyscallColumns } from '../../src/replay/plugins/syscall.js';
import { ppmeCode } from '../../src/scap/event-table.js';
import { makeEvent, p } from '../helpers/event-builder.js';

const FIELDS = parsePluginFields('fake', JSON.stringify(['a', 'b'].map((n) => ({ name: `f.${n}`, type: 'uint64', desc: n }))));

function fake() {
  const calls: { fields: number[]; evtnum: number; tid: bigint; threads: unknown }[] = [];
  const binder = new PluginFieldBinder({
    name: 'fake',
    fields: () => FIELDS,
    prepare: (reqs: readonly NativeExtractField[]) => (events: Uint8Array, first: number): NativeValue[] => {
      const tid = Buffer.from(events.buffer, events.byteOffset, events.byteLength).readBigInt64LE(8);
      calls.push({ fields: reqs.map((r) => r.id), evtnum: first, tid, threads: threadsTable.current });
      return reqs.map((r) => first * 10 + r.id);
    },
  });
  return { binder, calls };
}

describe('SyscallColumns', () => {
  it('extracts once per event, all known fields together, lazily', () => {
    const { binder, calls } = fake();
    const a = binder.register({ field: 'f.a' });
    const b = binder.register({ field: 'f.b' });
    const cols = new SyscallColumns(binder, undefined);
    const state = new HostState();
    const ctx = createReplayContext(state, makeEvent({ type: 'SYSCALL_CLOSE_X', tid: 42, params: [p.i64(0)] }));
    ctx.evtNum = 1;
    expect(cols.get(ctx, a)).toBe(10);
    expect(cols.get(ctx, b)).toBe(11); // first use of b: extracted alone, then hot
    expect(cols.get(ctx, a)).toBe(10);
    expect(calls.map((c) => c.fields)).toEqual([[0], [1]]);
    expect(calls[0]!.tid).toBe(42n);
    expect(calls[0]!.threads).toBe(state.threads);
    calls.length = 0;
    ctx.evtNum = 2; // next event: both hot slots in one call
    expect(cols.get(ctx, b)).toBe(21);
    expect(cols.get(ctx, a)).toBe(20);
    expect(calls.map((c) => [c.fields, c.evtnum])).toEqual([[[0, 1], 2]]);
    calls.length = 0;
    ctx.evtNum = 3; // no field read on event 3, 4: no call
    ctx.evtNum = 5;
    expect(cols.get(ctx, a)).toBe(50);
    expect(calls).toHaveLength(1);
  });

  it('gives no value on event codes the plugin does not extract from', () => {
    const { binder, calls } = fake();
    const a = binder.register({ field: 'f.a' });
    const cols = new SyscallColumns(binder, new Set([ppmeCode('SYSCALL_OPEN_X')!]));
    const ctx = createReplayContext(new HostState(), makeEvent({ type: 'SYSCALL_CLOSE_X', tid: 1, params: [p.i64(0)] }));
    ctx.evtNum = 1;
    expect(cols.get(ctx, a)).toBeUndefined();
    expect(calls).toHaveLength(0);
  });
});
