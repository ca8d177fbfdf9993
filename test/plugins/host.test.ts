import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { PluginError, PluginHostUnavailableError } from '../../src/plugins/errors.js';
import { PluginEventBatch, concatEvents, encodePluginEvent } from '../../src/plugins/events.js';
import { loadPluginHostAddon } from '../../src/plugins/native.js';
import { SimpleFieldRegistry } from '../../src/replay/fields/types.js';
import type { NativeValue } from '../../src/plugins/native.js';
import { makeRecords, pluginSetup, skipMessage, writeJsonl, type AuditRecord } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

function ipNum(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d;
}

/** The values jsonaudit must extract for a record (per REQS below). */
function expected(r: AuditRecord, lineno: number): NativeValue[] {
  return [
    r.user,
    r.action,
    r.count,
    r.tags.length ? r.tags : undefined,
    r.tags[1],
    String(r.count),
    r.ip !== undefined ? ipNum(r.ip) : undefined,
    r.action === 'fail',
    lineno,
    JSON.stringify(r.tags),
  ];
}
const REQS = [
  { field: 'jaudit.user' },
  { field: 'jaudit.action' },
  { field: 'jaudit.count' },
  { field: 'jaudit.tags' },
  { field: 'jaudit.tag', arg: 1 },
  { field: 'jaudit.field', arg: 'count' },
  { field: 'jaudit.ip' },
  { field: 'jaudit.failed' },
  { field: 'jaudit.lineno' },
  { field: 'jaudit.field', arg: 'tags' },
];

describe.skipIf(!setup.ok)('plugin host: jsonaudit', () => {
  let p: Plugin;
  const N = 20_000;
  const recs = makeRecords(N);
  let file: string;

  beforeAll(() => {
    file = writeJsonl(setup.dir, 'audit.jsonl', recs);
    p = loadPlugin(setup.jsonaudit, { batchSize: 777 });
  });
  afterAll(() => p?.destroy());

  it('reports its info and capabilities', () => {
    expect(p.info).toMatchObject({
      name: 'jsonaudit',
      version: '0.3.1',
      contact: 'falco-scap tests',
      requiredApiVersion: '3.0.0',
      hostApiVersion: '3.12.0',
      id: 999,
      eventSource: 'jsonaudit',
      capabilities: ['sourcing', 'extraction'],
      extractEventSources: ['jsonaudit'],
      parseEventSources: [],
      asyncEvents: [],
    });
    expect(p.info.description).toMatch(/JSON lines/);
    expect(p.initSchema.type).toBe('json');
    expect(p.extractEventTypes()).toBeUndefined();
    expect(p.listOpenParams()).toEqual([{ value: '/var/log/audit.jsonl', desc: 'A file of JSON audit records, one per line' }]);
    expect(p.ownerTables()).toEqual([]);
  });

  it('collects the plugin log messages', () => {
    expect(p.logs()).toContainEqual({ component: 'jsonaudit', message: 'initialized, batch size 777', severity: 'info' });
  });

  it('validates the init config against the init schema', () => {
    expect(() => loadPlugin(setup.jsonaudit, { batchSize: 0 })).toThrow(/plugin jsonaudit.*\.batchSize: 0 is less than the minimum 1/);
    expect(() => loadPlugin(setup.jsonaudit, { batchSize: 'big' })).toThrow(/\.batchSize: expected integer, got string/);
    expect(() => loadPlugin(setup.jsonaudit, { batchSize: 2.5 })).toThrow(/expected integer, got number/);
    expect(() => loadPlugin(setup.jsonaudit, { nope: 1 })).toThrow(/unknown property 'nope'/);
    expect(() => loadPlugin(setup.jsonaudit, '{bad json')).toThrow(PluginError);
    expect(() => loadPlugin(setup.jsonaudit, '[1]')).toThrow(/\(root\): expected object, got array/);
    // empty config + JSON schema -> "{}"
    const q = loadPlugin(setup.jsonaudit);
    expect(q.metrics().find((m) => m.name === 'jsonaudit.batch_size')?.value).toBe(512);
    q.destroy();
    q.destroy(); // idempotent
  });

  it('exposes validated fields, mapped to FieldDefs', () => {
    const f = p.fields();
    expect(f.map((x) => x.name)).toEqual([
      'jaudit.user',
      'jaudit.action',
      'jaudit.count',
      'jaudit.tags',
      'jaudit.tag',
      'jaudit.field',
      'jaudit.ip',
      'jaudit.failed',
      'jaudit.lineno',
      'jaudit.line',
    ]);
    expect(f[3]).toMatchObject({ id: 3, type: 'string', isList: true, argKind: 'none' });
    expect(f[4]).toMatchObject({ argKind: 'index', arg: { required: true, index: true, key: false } });
    expect(f[5]).toMatchObject({ argKind: 'key' });
    expect(f[0]!.addOutput).toBe(true);
    const defs = p.fieldBinder().defs();
    const byName = new Map(defs.map((d) => [d.name, d]));
    expect(byName.get('jaudit.user')).toMatchObject({ type: 'charbuf', arg: 'none' });
    expect(byName.get('jaudit.count')).toMatchObject({ type: 'uint64' });
    expect(byName.get('jaudit.tags')).toMatchObject({ type: 'charbuf', isList: true });
    expect(byName.get('jaudit.ip')).toMatchObject({ type: 'ipaddr' });
    expect(byName.get('jaudit.failed')).toMatchObject({ type: 'bool' });
    expect(byName.get('jaudit.line')).toMatchObject({ outputOnly: true });
    expect(() => byName.get('jaudit.tag')!.compile('x')).toThrow(/non-negative integer/);
    expect(() => byName.get('jaudit.field')!.compile()).toThrow(/requires an argument/);
    expect(() => byName.get('jaudit.user')!.compile('x')).toThrow(/does not take an argument/);
    expect(() => p.extractor([{ field: 'jaudit.nope' }])).toThrow(/unknown plugin field/);
  });

  it('sources every event with progress, and extracts 10 fields per event in batches', async () => {
    const ex = p.extractor(REQS);
    const progress: number[] = [];
    let seen = 0;
    let batches = 0;
    for await (const b of p.events(file, { onProgress: (x) => progress.push(x.pct) })) {
      batches++;
      expect(b.count).toBeLessThanOrEqual(777);
      const vals = ex.extract(b);
      expect(vals.length).toBe(b.count * REQS.length);
      let i = 0;
      for (const e of b) {
        expect(e.type).toBe(322);
        expect(e.pluginId).toBe(999); // the host fills in the zero ID
        expect(e.evtnum).toBe(seen + 1);
        const r = recs[seen]!;
        expect(JSON.parse(new TextDecoder().decode(e.data))).toEqual(r);
        expect(vals.slice(i * REQS.length, (i + 1) * REQS.length)).toEqual(expected(r, seen + 1));
        i++;
        seen++;
      }
    }
    expect(seen).toBe(N);
    expect(batches).toBe(Math.ceil(N / 777));
    expect(progress.at(-1)).toBe(100);
    expect(progress.every((x, k) => k === 0 || x >= progress[k - 1]!)).toBe(true);
    expect(p.metrics().find((m) => m.name === 'jsonaudit.events_read')?.value).toBeGreaterThanOrEqual(N);
  });

  it('batched extraction equals per-event extraction', async () => {
    const ex = p.extractor(REQS);
    const cap = p.open(file);
    const b = cap.nextBatch()!;
    cap.close();
    const batched = ex.extract(b);
    const single: NativeValue[] = [];
    for (const e of b) single.push(...ex.extract(e.raw, e.evtnum));
    expect(single).toEqual(batched);
    // events re-assembled from elsewhere (e.g. a capture) extract the same
    const again = ex.extract(concatEvents([...b].map((e) => e.raw)), b.firstEvtnum);
    expect(again).toEqual(batched);
  });

  it('binds plugin fields into a field registry with batched extraction', () => {
    const binder = p.fieldBinder();
    const reg = new SimpleFieldRegistry(binder.defs());
    const user = reg.lookup('jaudit.user')!.def.compile() as (c: object) => unknown;
    const key = reg.lookup('jaudit.field')!.def.compile('action') as (c: object) => unknown;
    const user2 = reg.lookup('jaudit.user')!.def.compile() as (c: object) => unknown;
    expect(binder.width).toBe(2); // deduplicated
    const cap = p.open(file);
    const b = cap.nextBatch()!;
    cap.close();
    const rows = binder.extract(b.buffer, b.count, b.firstEvtnum);
    for (let i = 0; i < 5; i++) {
      const ctx = { evt: undefined, plugin: rows.row(i) };
      expect(user(ctx)).toBe(recs[i]!.user);
      expect(user2(ctx)).toBe(recs[i]!.user);
      expect(key(ctx)).toBe(recs[i]!.action);
    }
    expect(user({ evt: undefined })).toBeUndefined();
  });

  it('renders events, handles odd records and plugin-side extraction errors', () => {
    const odd = writeJsonl(setup.dir, 'odd.jsonl', [{ user: 'c\u00e9 "q"', action: 'x', count: 18446744073709551615n.toString() }]);
    writeFileSync(odd, '{"user":"c\\u00e9 \\"q\\"","action":"x","count":18446744073709551615,"tags":[]}\n\n');
    const cap = p.open(odd);
    const b = cap.nextBatch()!;
    expect(cap.progress()?.pct).toBe(100);
    expect(cap.nextBatch()).toBeUndefined();
    cap.close();
    expect(b.count).toBe(1);
    const [e] = [...b];
    expect(p.eventToString(e!)).toBe('{"user":"c\\u00e9 \\"q\\"","action":"x","count":18446744073709551615,"tags":[]}');
    const v = p.extractor([{ field: 'jaudit.user' }, { field: 'jaudit.count' }, { field: 'jaudit.tags' }]).extract(b);
    expect(v).toEqual(['c\u00e9 "q"', 18446744073709551615n, undefined]);
    // an event that is not jsonaudit's: the plugin fails, the error names it
    const foreign = encodePluginEvent(999, new TextEncoder().encode('not json'));
    expect(() => p.extractor([{ field: 'jaudit.user' }]).extract(foreign, 5)).toThrow(/plugin 'jsonaudit'.*extract_fields failed on event 0.*event 5: invalid JSON record/);
    expect(() => p.open(join(setup.dir, 'missing.jsonl'))).toThrow(/open failed: open: cannot open/);
  });

  it('set_config: accepted and rejected', () => {
    p.setConfig({ batchSize: 5 });
    expect(p.metrics().find((m) => m.name === 'jsonaudit.batch_size')?.value).toBe(5);
    expect(p.logs().at(-1)?.message).toBe('reconfigured, batch size 5');
    expect(() => p.setConfig({ batchSize: 0 })).toThrow(/set_config failed: batchSize must be 1..100000/);
    p.setConfig({ batchSize: 777 });
  });

  it('batch boundary: one event per batch', async () => {
    const q = loadPlugin(setup.jsonaudit, { batchSize: 1, verbose: true });
    const small = writeJsonl(setup.dir, 'small.jsonl', recs.slice(0, 7));
    const got: string[] = [];
    for await (const e of q.open(small).events()) got.push(new TextDecoder().decode(e.data));
    expect(got.map((s) => JSON.parse(s))).toEqual(recs.slice(0, 7));
    expect(q.logs().some((l) => l.severity === 'debug' && /owner tables: 1, threads table found/.test(l.message))).toBe(true);
    q.destroy();
    expect(() => q.open(small)).toThrow(/destroyed/);
  });

  it('PluginEventBatch offsets', () => {
    const a = encodePluginEvent(1, new Uint8Array([1, 2, 3]));
    const b = encodePluginEvent(1, new Uint8Array([4]));
    const batch = new PluginEventBatch(concatEvents([a, b]), 2, 10);
    expect(batch.offsets()).toEqual([0, a.byteLength]);
    expect([...batch].map((e) => [e.evtnum, [...e.data]])).toEqual([
      [10, [1, 2, 3]],
      [11, [4]],
    ]);
  });
});

describe('plugin loader without the addon', () => {
  it('explains how to build the addon', () => {
    const r = loadPluginHostAddon('/nonexistent/falco_scap_plugin_host.node');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/not built.*node native\/plugin-host\/build\.mjs/);
    expect(new PluginHostUnavailableError('x').message).toBe('cannot load Falco plugins: x');
  });
});
