/**
 * Unit and CLI tests of `inspect` that need no sysdig: the -p format parser, JSON encoding,
 * the library API (limits, hidden events, filters) and the command's errors and exit codes.
 */
import { describe, expect, it } from 'vitest';
import { syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import { parseCondition } from '../../../src/replay/filter/parser.js';
import {
  DEFAULT_FORMAT,
  FormatError,
  encodeJsonObject,
  inspectCapture,
  inspectReadsMemoryCounters,
  jsonQuote,
  parseFormat,
  unescapeFormat,
  type InspectOptions,
} from '../../../src/replay/inspect/index.js';
import { containerLookupFailed, sysdig029TypeName } from '../../../src/replay/inspect/sysdig029.js';
import { hasShared, sharedCaptures, skipNote } from '../../helpers/shared.js';
import { runInspect } from './helpers.js';

const defs = syscallFieldRegistry().list();
const sample = sharedCaptures().find((c) => c.name === 'libs/sample.scap');
const curl = sharedCaptures().find((c) => c.name === 'libs/curl_google.scap');
if (!hasShared) skipNote('inspect tests on real captures', '../shared/captures');

async function run(path: string, opts: InspectOptions): Promise<string[]> {
  let out = '';
  await inspectCapture(path, opts, (t) => {
    out += t;
  });
  return out.split('\n').slice(0, -1);
}

describe('-p format parsing', () => {
  it('parses the default format: not require-all, fields and literal text', () => {
    const p = parseFormat(DEFAULT_FORMAT, defs);
    expect(p.requireAll).toBe(false);
    const fields = p.tokens.filter((t) => t.kind === 'field').map((t) => (t.kind === 'field' ? t.text : ''));
    expect(fields).toEqual(['evt.num', 'evt.outputtime', 'evt.cpu', 'proc.name', 'thread.tid', 'evt.dir', 'evt.type', 'evt.info']);
    expect(p.tokens.filter((t) => t.kind === 'text').map((t) => (t.kind === 'text' ? t.text : ''))).toEqual([' ', ' ', ' ', ' (', ') ', ' ', ' ']);
  });

  it('takes the longest field name and leaves the rest as text', () => {
    const p = parseFormat('%proc.name[1] %evt.args%evt.arg.fd.', defs);
    expect(p.requireAll).toBe(true);
    expect(p.tokens.map((t) => (t.kind === 'field' ? `F:${t.text}:${t.arg ?? ''}` : `T:${t.text}`))).toEqual([
      'F:proc.name:',
      'T:[1] ',
      'F:evt.args:',
      'F:evt.arg.fd:fd',
      'T:.',
    ]);
  });

  it('reads bracket arguments and widths', () => {
    const p = parseFormat('%10evt.arg[0]|%proc.aname[2]', defs);
    const f = p.tokens.filter((t) => t.kind === 'field');
    expect(f.map((t) => (t.kind === 'field' ? [t.text, t.arg, t.width] : []))).toEqual([
      ['evt.arg[0]', '0', 10],
      ['proc.aname[2]', '2', 0],
    ]);
  });

  it('applies sysdig escapes', () => {
    expect(unescapeFormat('a\\tb\\nc\\\\d\\qe')).toBe('a\tb\nc\\d\\qe');
  });

  it('rejects unknown fields, a trailing %, and filter-only fields with a position', () => {
    expect(() => parseFormat('%evt.num %proc.nme', defs)).toThrow(FormatError);
    expect(() => parseFormat('%evt.num %proc.nme', defs)).toThrow(/unknown field 'proc.nme' at offset 10/);
    expect(() => parseFormat('abc %', defs)).toThrow(/cannot end with a %/);
    expect(() => parseFormat('', defs)).toThrow(/empty/);
    const filterOnly = defs.find((d) => d.filterOnly);
    if (filterOnly !== undefined) expect(() => parseFormat(`%${filterOnly.name}`, defs)).toThrow(/filter only/);
  });
});

describe('memory counters (scheduler switches) only for filters and formats that read them', () => {
  it('looks at the filter, transformer and val() arguments, and the format fields', () => {
    const fmt = (f: string) => parseFormat(f, defs);
    expect(inspectReadsMemoryCounters(undefined, undefined)).toBe(false);
    expect(inspectReadsMemoryCounters(parseCondition('proc.name=bash and fd.num>2'), fmt(DEFAULT_FORMAT))).toBe(false);
    expect(inspectReadsMemoryCounters(parseCondition('proc.vmsize > 100'), undefined)).toBe(true);
    expect(inspectReadsMemoryCounters(parseCondition('not (thread.vmsize < val(thread.pfminor))'), undefined)).toBe(true);
    expect(inspectReadsMemoryCounters(undefined, fmt('%evt.num %thread.vmrss'))).toBe(true);
    expect(inspectReadsMemoryCounters(parseCondition('evt.type=open'), fmt('*%proc.name %proc.vmswap'))).toBe(true);
  });
});

describe('JSON as jsoncpp writes it', () => {
  it('sorts keys, keeps 64-bit integers exact and escapes like FastWriter', () => {
    const m = new Map<string, string | number | bigint | boolean | null>([
      ['proc.name', 'a"b\\c\n\x01/é'],
      ['evt.outputtime', 1690557262753887343n],
      ['evt.cpu', 3],
      ['fd.name', null],
      ['evt.failed', false],
    ]);
    expect(encodeJsonObject(m)).toBe(
      '{"evt.cpu":3,"evt.failed":false,"evt.outputtime":1690557262753887343,"fd.name":null,"proc.name":"a\\"b\\\\c\\n\\u0001/\\u00e9"}',
    );
    expect(jsonQuote('\u{1F600}')).toBe('"\\ud83d\\ude00"');
  });
});

describe('sysdig 0.29 facts', () => {
  it('names events and generic syscalls as sysdig 0.29 does', () => {
    expect(sysdig029TypeName(3, undefined)).toBe('open');
    expect(sysdig029TypeName(17, undefined)).toBe('NA1');
    expect(sysdig029TypeName(1, 0)).toBe('<unknown>');
    expect(sysdig029TypeName(1, 298)).toBe('sigreturn');
    expect(sysdig029TypeName(1, 400)).toBe('<unknown>');
  });

  it('hides container events of failed lookups', () => {
    expect(containerLookupFailed('{"container":{"id":"x","lookup_state":2}}')).toBe(true);
    expect(containerLookupFailed('{"container":{"id":"x","lookup_state":1}}')).toBe(false);
    expect(containerLookupFailed('{"container":{"id":"x"}}')).toBe(false);
  });
});

describe.skipIf(sample === undefined || curl === undefined)('inspectCapture on real captures', () => {
  it('numbers events as sysdig: codes 0.29 does not know are skipped, internal events hidden', async () => {
    const l = await run(sample!.path, { limit: 3 });
    // Event 1 (sysdig numbering) is the hidden scapevent; the 95 user/group events before it are not numbered.
    expect(l.map((x) => x.split(' ')[0])).toEqual(['2', '3']);
    expect(l[0]).toBe('2 15:14:22.753887343 3 sysdig (2987) > switch next=0 pgft_maj=0 pgft_min=1472 vm_size=317932 vm_rss=22308 vm_swap=0 ');
  });

  it('a filter that matches nothing numbers every event and prints nothing', async () => {
    const all = await inspectCapture(curl!.path, {}, () => undefined);
    const none = await inspectCapture(curl!.path, { filter: 'proc.name=nonexistent' }, (t) => {
      throw new Error(`unexpected output ${t}`);
    });
    expect(all.printed).toBeGreaterThan(0);
    expect(none).toEqual({ events: all.events, matched: 0, printed: 0, limited: false });
  });

  it('a proc.name filter prints only that process, with the same numbering as unfiltered', async () => {
    const all = await run(curl!.path, { format: '%evt.num %proc.name %evt.type' });
    const curlOnly = await run(curl!.path, { filter: 'proc.name=curl', format: '%evt.num %proc.name %evt.type' });
    expect(curlOnly.length).toBeGreaterThan(100);
    expect(curlOnly.every((l) => l.split(' ')[1] === 'curl')).toBe(true);
    // Events are numbered before the filter: each printed line is the unfiltered line of that number.
    const byNum = new Map(all.map((l) => [l.split(' ')[0], l]));
    for (const l of curlOnly) expect(byNum.get(l.split(' ')[0])).toBe(l);
  });

  it('counts -n after the filter', async () => {
    const l = await run(curl!.path, { filter: 'evt.type=read and evt.dir=<', limit: 2, format: '%evt.num %evt.type %evt.dir' });
    expect(l).toEqual(['231 read <', '249 read <']);
  });

  it('suppresses lines with a missing field unless the format starts with *', async () => {
    const strict = await run(sample!.path, { format: '%evt.num %proc.name', limit: 4 });
    const lax = await run(sample!.path, { format: '*%evt.num %proc.name', limit: 4 });
    expect(strict).toEqual(['2 sysdig', '4 sysdig']);
    expect(lax).toEqual(['2 sysdig', '3 <NA>', '4 sysdig']);
  });

  it('writes JSON lines', async () => {
    const l = await run(sample!.path, { json: true, limit: 2 });
    expect(l).toEqual([
      '{"evt.cpu":3,"evt.dir":">","evt.info":"next=0 pgft_maj=0 pgft_min=1472 vm_size=317932 vm_rss=22308 vm_swap=0 ","evt.num":2,"evt.outputtime":1690557262753887343,"evt.type":"switch","proc.name":"sysdig","thread.tid":2987}',
    ]);
  });

  it('reports filter errors with their position', async () => {
    await expect(run(sample!.path, { filter: 'proc.name = curl and fd.nme = x' })).rejects.toThrow(/1:22: unknown field 'fd.nme'/);
  });
});

describe.skipIf(sample === undefined)('the inspect command', () => {
  it('prints one line and exits 2 for a bad filter', async () => {
    const r = await runInspect([sample!.path, 'proc.name', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^falco-scap: 1:11: .*\n$/);
  });

  it('joins filter words with spaces, as sysdig does', async () => {
    const r = await runInspect([sample!.path, '-p', '%evt.num', 'evt.num', '<', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2\n3\n4\n');
  });

  it('prints one line and exits 2 for a bad format, a bad -n and a missing file', async () => {
    for (const args of [[sample!.path, '-p', '%proc.nme'], [sample!.path, '-n', '0'], [sample!.path, '-n', 'x'], ['/nonexistent.scap']]) {
      const r = await runInspect(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });
});
