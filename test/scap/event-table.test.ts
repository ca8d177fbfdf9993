import { describe, expect, it } from 'vitest';
import {
  DYNAMIC_PARAMS,
  EVENT_FRAMING,
  EVENT_TABLE,
  LIBS_COMMIT,
  PPM_EVENT_MAX,
  SCHEMA_VERSION,
  eventCodesByName,
  eventInfo,
  isOldVersion,
  isUnused,
  ppmeCode,
  ppmeName,
} from '../../src/scap/event-table.js';
import { FLAG_TABLES, MODE_TABLES } from '../../src/scap/flags.js';
import { EventCategory, EventFlags, ParamType, PrintFormat } from '../../src/scap/schema.js';

const FLAG_TYPES = new Set<number>([
  ParamType.FLAGS8,
  ParamType.FLAGS16,
  ParamType.FLAGS32,
  ParamType.ENUMFLAGS8,
  ParamType.ENUMFLAGS16,
  ParamType.ENUMFLAGS32,
  ParamType.MODE,
]);

describe('event table', () => {
  it('covers every code of schema 4.5.1', () => {
    expect(SCHEMA_VERSION).toBe('4.5.1');
    expect(LIBS_COMMIT).toMatch(/^[0-9a-f]{40}$/);
    expect(PPM_EVENT_MAX).toBe(454);
    expect(EVENT_TABLE.length).toBe(454);
    EVENT_TABLE.forEach((e, i) => {
      expect(e.code).toBe(i);
      expect(e.direction).toBe(i % 2 === 0 ? '>' : '<');
      expect(e.name).toMatch(/^[a-z0-9_]+$|^NA$/);
    });
    expect(eventInfo(454)).toBeUndefined();
    expect(eventInfo(-1)).toBeUndefined();
  });

  it('names well-known events as libscap does', () => {
    expect(eventInfo(0)!.name).toBe('syscall');
    expect(eventInfo(2)!.name).toBe('open');
    expect(eventInfo(186)!.name).toBe('procexit');
    expect(eventInfo(324)!.name).toBe('container');
    expect(eventInfo(322)!.name).toBe('pluginevent');
    expect(eventInfo(402)!.name).toBe('asyncevent');
    expect(eventInfo(452)!.name).toBe('NA'); // keyctl has only an exit event
    expect(eventInfo(453)!.name).toBe('keyctl');
  });

  it('finds every version of execve', () => {
    expect(eventCodesByName('execve')).toEqual([12, 13, 154, 155, 172, 173, 214, 215, 230, 231, 282, 283, 288, 289, 292, 293]);
    expect(eventCodesByName('no-such-event')).toEqual([]);
    // returned arrays are copies
    eventCodesByName('execve').push(1);
    expect(eventCodesByName('execve')).toHaveLength(16);
    expect(isOldVersion(13)).toBe(true);
    expect(eventInfo(13)!.flags & EventFlags.OLD_VERSION).toBe(EventFlags.OLD_VERSION);
    expect(isOldVersion(293)).toBe(false);
    expect(eventInfo(293)!.params.map((p) => p.name).slice(0, 3)).toEqual(['res', 'exe', 'args']);
    expect(eventInfo(293)!.category).toBe(EventCategory.PROCESS | EventCategory.SYSCALL);
  });

  it('describes openat exit (PPME_SYSCALL_OPENAT_2_X)', () => {
    expect(ppmeCode('PPME_SYSCALL_OPENAT_2_X')).toBe(307);
    expect(ppmeCode('SYSCALL_OPENAT_2_X')).toBe(307);
    expect(ppmeName(307)).toBe('PPME_SYSCALL_OPENAT_2_X');
    expect(ppmeName(0)).toBe('PPME_GENERIC_E');
    const e = eventInfo(307)!;
    expect(e.name).toBe('openat');
    expect(e.direction).toBe('<');
    expect(e.category).toBe(EventCategory.FILE | EventCategory.SYSCALL);
    expect(e.flags).toBe(EventFlags.CREATES_FD | EventFlags.MODIFIES_STATE | EventFlags.CONVERTER_MANAGED);
    expect(e.params.map((p) => [p.name, p.type, p.format])).toEqual([
      ['fd', ParamType.FD, PrintFormat.DEC],
      ['dirfd', ParamType.FD, PrintFormat.DEC],
      ['name', ParamType.FSRELPATH, PrintFormat.NA],
      ['flags', ParamType.FLAGS32, PrintFormat.HEX],
      ['mode', ParamType.UINT32, PrintFormat.OCT],
      ['dev', ParamType.UINT32, PrintFormat.HEX],
      ['ino', ParamType.UINT64, PrintFormat.DEC],
    ]);
    expect(e.params[2]!.dirfdParam).toBe(1);
    expect(e.params[3]!.flags).toBe('file_flags');
    expect(isOldVersion(103)).toBe(true); // PPME_SYSCALL_OPENAT_X
  });

  it('marks placeholder events unused', () => {
    for (const e of EVENT_TABLE) {
      if (e.name === 'NA') {
        expect(e.flags & EventFlags.UNUSED).toBe(EventFlags.UNUSED);
        expect(e.category).toBe(EventCategory.UNKNOWN);
        // PPME_TRACER_X (269) is the one placeholder that still lists parameters
        if (e.code !== 269) expect(e.params).toHaveLength(0);
        expect(isUnused(e.code)).toBe(true);
      }
    }
    expect(isUnused(452)).toBe(true);
    expect(isUnused(453)).toBe(false);
  });

  it('links every flags parameter to an existing table', () => {
    let n = 0;
    for (const e of EVENT_TABLE) {
      for (const p of e.params) {
        if (FLAG_TYPES.has(p.type)) {
          n++;
          expect(p.flags, `${e.code} ${e.name}.${p.name}`).toBeDefined();
          expect(FLAG_TABLES[p.flags!], `${e.code} ${e.name}.${p.name} → ${p.flags}`).toBeDefined();
          expect(MODE_TABLES.has(p.flags!)).toBe(p.type === ParamType.MODE);
        } else {
          expect(p.flags).toBeUndefined();
        }
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('gives every FSRELPATH a dirfd parameter', () => {
    let n = 0;
    for (const e of EVENT_TABLE) {
      e.params.forEach((p) => {
        if (p.type !== ParamType.FSRELPATH) return;
        n++;
        expect(p.dirfdParam, `${e.code} ${e.name}.${p.name}`).toBeDefined();
        const dirfd = e.params[p.dirfdParam!];
        expect(dirfd, `${e.code} ${e.name}.${p.name}`).toBeDefined();
        expect([ParamType.FD, ParamType.FD32]).toContain(dirfd!.type);
      });
    }
    expect(n).toBe(18);
    // renameat2 exit: newpath is relative to newdirfd (param 3)
    const linkat = eventInfo(311)!;
    expect(linkat.name).toBe('linkat');
    expect(linkat.params.find((p) => p.name === 'newpath')!.dirfdParam).toBe(3);
  });

  it('describes dynamic parameters', () => {
    expect(Object.keys(DYNAMIC_PARAMS).sort()).toEqual(['bpf', 'keyctl', 'ptrace', 'sockopt']);
    const ptraceX = eventInfo(169)!;
    expect(ptraceX.name).toBe('ptrace');
    const addr = ptraceX.params[1]!;
    expect(addr.type).toBe(ParamType.DYN);
    expect(addr.dynamic!.map((d) => d.type)).toEqual([ParamType.UINT64, ParamType.SIGTYPE]);
    expect(DYNAMIC_PARAMS.sockopt!.map((d) => d.type)).toEqual([
      ParamType.BYTEBUF,
      ParamType.ERRNO,
      ParamType.UINT32,
      ParamType.UINT64,
      ParamType.RELTIME,
    ]);
    for (const e of EVENT_TABLE) for (const p of e.params) expect(p.type === ParamType.DYN).toBe(p.dynamic !== undefined);
  });

  it('frames events', () => {
    expect(EVENT_FRAMING.paramCount(307)).toBe(7);
    expect(EVENT_FRAMING.paramCount(293)).toBe(31);
    expect(EVENT_FRAMING.paramCount(452)).toBe(0);
    expect(EVENT_FRAMING.paramCount(9999)).toBe(0);
    const large = EVENT_TABLE.filter((e) => EVENT_FRAMING.largePayload(e.code)).map((e) => e.name);
    expect(large).toEqual(['pluginevent', 'container', 'asyncevent']);
    expect(EVENT_FRAMING.largePayload(307)).toBe(false);
    expect(EVENT_FRAMING.largePayload(9999)).toBe(false);
  });

  it('has generic syscall events carrying a ppm_sc id', () => {
    const g = eventInfo(1)!;
    expect(g.params.map((p) => [p.name, p.type])).toEqual([
      ['ID', ParamType.SYSCALLID],
      ['nativeID', ParamType.UINT16],
    ]);
  });
});

describe('decoding at module load (start-up work)', () => {
  it('rows with the same parameter text share one frozen list; every entry and parameter is frozen', () => {
    const byText = new Map<string, readonly unknown[]>();
    let shared = 0;
    for (const e of EVENT_TABLE) {
      expect(Object.isFrozen(e)).toBe(true);
      expect(Object.isFrozen(e.params)).toBe(true);
      for (const p of e.params) expect(Object.isFrozen(p)).toBe(true);
      const text = JSON.stringify(e.params);
      const prev = byText.get(text);
      if (prev === undefined) byText.set(text, e.params);
      else if (prev === e.params) shared++;
    }
    // e.g. the enter events of read and write carry the same `fd size` list
    expect(shared).toBeGreaterThan(50);
    expect(eventInfo(ppmeCode('SYSCALL_READ_E')!)!.params).toBe(eventInfo(ppmeCode('SYSCALL_WRITE_E')!)!.params);
  });

  it('category and flag sets decode per row, whatever row spelled them first', () => {
    const open = eventInfo(ppmeCode('SYSCALL_OPEN_X')!)!;
    expect(open.name).toBe('open');
    expect(open.direction).toBe('<');
    expect(open.category).toBe(EventCategory.FILE | EventCategory.SYSCALL);
    expect(open.flags).toBe(EventFlags.CREATES_FD | EventFlags.MODIFIES_STATE | EventFlags.CONVERTER_MANAGED);
    const procexit = eventInfo(ppmeCode('PROCEXIT_X')!)!;
    expect(procexit.params).toEqual([]);
    expect(procexit.flags).toBe(EventFlags.UNUSED);
  });
});
