/**
 * Plugins on syscall events through `falco-scap replay`: thrinfo (test/plugins/c/thrinfo.c)
 * extracts fields from syscall events and parses them, reading the "threads" table, on a
 * capture written with our writer (a process list, then execve / close events that change
 * and read the thread state).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockType } from '../../src/scap/block-types.js';
import { encodeProcList, newThreadEntry } from '../../src/scap/blocks/index.js';
import { ScapWriter } from '../../src/scap/writer.js';
import { eventBytes, p } from '../helpers/event-builder.js';
import { runCli } from '../helpers/cli.js';
import { alertLines, pluginSetup, skipMessage } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

const lines = alertLines;

const RULES = `- required_plugin_versions:
  - name: thrinfo
    version: 0.2.0
- rule: Close seen by thrinfo
  desc: close exits, with the thread read from the plugin's threads table
  condition: evt.type = close and thr.comm exists
  output: "close n=%evt.num comm=%thr.comm pid=%thr.pid uid=%thr.uid exe=%thr.exepath parent=%thr.ptid_comm parsed=%thr.parsed parsedcomm=%thr.parsedcomm size=%thr.size proc=%proc.name"
  priority: WARNING
- rule: Exec seen by thrinfo
  desc: execve exits, after the state engine applied them
  condition: evt.type = execve and thr.comm in (cat, sh) and thr.pid > 100
  output: "exec n=%evt.num comm=%thr.comm exe=%thr.exepath parsedcomm=%thr.parsedcomm"
  priority: NOTICE
`;

function execveExit(tid: number, ptid: number, exe: string, comm: string): Buffer {
  const params = [p.i64(0), p.str(exe), p.list([]), p.i64(tid), p.i64(tid), p.i64(ptid), p.str(''), p.u64(1024), p.u64(0), p.u64(0), p.u32(0), p.u32(0), p.u32(0), p.str(comm), p.none(), p.none(), p.u32(0)];
  return eventBytes({ type: 'SYSCALL_EXECVE_19_X', tid, ts: 0n, params });
}

function at(ev: Buffer, ts: bigint): Buffer {
  ev.writeBigUInt64LE(ts, 0);
  return ev;
}

describe.skipIf(!setup.ok)('plugins on syscall events (threads table)', () => {
  let capture: string;
  let rules: string;

  beforeAll(async () => {
    capture = join(setup.dir, 'syscall-threads.scap');
    const w = await ScapWriter.create(capture, { force: true });
    w.writeSectionHeader();
    w.writeStateBlock(
      BlockType.PL_V9,
      encodeProcList([
        newThreadEntry({ tid: 1, pid: 1, ptid: 0, comm: 'init', exe: '/sbin/init', exepath: '/sbin/init', uid: 0 }),
        newThreadEntry({ tid: 100, pid: 100, ptid: 1, comm: 'bash', exe: 'bash', exepath: '/bin/bash', uid: 1000 }),
        newThreadEntry({ tid: 200, pid: 200, ptid: 100, comm: 'sleep', exe: 'sleep', exepath: '/bin/sleep', uid: 1000 }),
      ]),
    );
    const close = (tid: number, ts: bigint, dir: 'E' | 'X') =>
      eventBytes({ type: dir === 'E' ? 'SYSCALL_CLOSE_E' : 'SYSCALL_CLOSE_X', tid, ts, params: [p.i64(dir === 'E' ? 3 : 0)] });
    w.writeEventBytes(close(100, 1000n, 'E'), 0); // 1
    w.writeEventBytes(close(100, 2000n, 'X'), 0); // 2: bash
    w.writeEventBytes(eventBytes({ type: 'SYSCALL_EXECVE_19_E', tid: 200, ts: 3000n, params: [p.str('/bin/cat')] }), 0); // 3
    w.writeEventBytes(at(execveExit(200, 100, '/bin/cat', 'cat'), 4000n), 0); // 4: sleep becomes cat
    w.writeEventBytes(close(200, 5000n, 'X'), 0); // 5: cat, parent bash
    w.writeEventBytes(close(1, 6000n, 'X'), 0); // 6: init (pid 1, uid 0)
    await w.close();
    rules = join(setup.dir, 'syscall-threads.yaml');
    writeFileSync(rules, RULES);
  });

  // parse_event sees events 2, 4, 5, 6: not the system-call enter events 1 and 3 (current libscap turns
  // enter/exit pairs into exit events, so libsinsp's parsers never see enters).
  it('extracts plugin fields on syscall events from the thread state of each event, after parse_event', async () => {
    const r = await runCli(['replay', '--plugin', setup.thrinfo, '-r', rules, capture, '-o', 'append_output[0].suggested_output=false']);
    expect(r.stderr).not.toMatch(/warning/);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'Warning close n=2 comm=bash pid=100 uid=1000 exe=/bin/bash parent=init parsed=1 parsedcomm=bash size=3 proc=bash',
      'Notice exec n=4 comm=cat exe=/bin/cat parsedcomm=cat',
      'Warning close n=5 comm=cat pid=200 uid=1000 exe=/bin/cat parent=bash parsed=3 parsedcomm=cat size=3 proc=cat',
      'Warning close n=6 comm=init pid=1 uid=0 exe=/sbin/init parent=<NA> parsed=4 parsedcomm=init size=3 proc=init',
    ]);
  });

  it("appends the plugin's addOutput fields to syscall rules (suggested_output)", async () => {
    const r = await runCli(['replay', '--plugin', setup.thrinfo, '-r', rules, capture, '--json']);
    expect(r.code).toBe(0);
    const alerts = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { rule: string; output: string; output_fields: Record<string, unknown> });
    expect(alerts.map((a) => a.output_fields['thr.ptid_comm'])).toEqual(['init', 'bash', 'bash', null]);
    // Falco's suggested output key: the field name with '.' as '_'
    expect(alerts[0]!.output).toMatch(/ proc=bash container_id=host .* thr_ptid_comm=init$/);
  });

  it('refuses a syscall plugin field that overlaps a built-in syscall field', async () => {
    const r = await runCli(['replay', '--plugin', setup.thrinfoOverlap, '-r', rules, capture]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("falco-scap: Plugin 'thrinfo' supports extraction of field 'proc.name' that is overlapping for source 'syscall'");
  });

  it('list fields --source syscall and validate --plugin see the plugin fields of the syscall source', async () => {
    const l = await runCli(['list', 'fields', '--plugin', setup.thrinfo, '--source', 'syscall']);
    expect(l.code).toBe(0);
    expect(l.stdout).toContain('Field Class: thrinfo (Event Sources: syscall)');
    expect(l.stdout).toMatch(/^thr\.comm +charbuf\n {4}comm of the event's thread, from the threads table$/m);
    expect(l.stdout).toMatch(/^proc\.name +charbuf/m);
    const v = await runCli(['validate', '--plugin', setup.thrinfo, '-r', rules]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('without the plugin its fields are unknown to syscall rules', async () => {
    const r = await runCli(['replay', '-r', rules, capture]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`falco-scap: ${rules}:7:11: LOAD_ERR_COMPILE_OUTPUT: unknown filter: expected a field or a transformer, found 'thr'`);
  });
});
