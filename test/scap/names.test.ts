import { describe, expect, it } from 'vitest';
import {
  ERRNO_NAMES,
  PPM_SC_MAX,
  PPM_SC_NAMES,
  SIGNAL_NAMES,
  errnoName,
  formatErrno,
  l4protoName,
  signalName,
  syscallCode,
  syscallName,
} from '../../src/scap/names.js';

describe('names', () => {
  it('names errnos as libsinsp prints them', () => {
    expect(errnoName(-2)).toBe('ENOENT');
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(115)).toBe('EINPROGRESS');
    expect(errnoName(512)).toBe('ERESTARTSYS');
    expect(errnoName(41)).toBeUndefined(); // unassigned on Linux
    expect(formatErrno(-2)).toBe('ENOENT');
    expect(formatErrno(3)).toBe('');
    expect(formatErrno(0)).toBe('');
    expect(formatErrno(-9999)).toBe('');
    expect(ERRNO_NAMES.size).toBe(138);
  });

  it('names signals', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(15)).toBe('SIGTERM');
    expect(signalName(17)).toBe('SIGCHLD');
    expect(signalName(0)).toBeUndefined();
    expect(signalName(32)).toBeUndefined();
    expect(SIGNAL_NAMES.size).toBe(31);
  });

  it('names syscalls by ppm_sc code', () => {
    expect(PPM_SC_MAX).toBe(PPM_SC_NAMES.length);
    expect(syscallName(0)).toBe('unknown');
    expect(syscallName(1)).toBe('restart_syscall');
    expect(syscallName(3)).toBe('read');
    expect(syscallName(5)).toBe('open');
    expect(syscallCode('openat')).toBe(197);
    expect(syscallCode('execve')).toBe(324);
    expect(syscallName(176)).toBe('clock_gettime');
    expect(syscallName(syscallCode('openat')!)).toBe('openat');
    expect(syscallName(syscallCode('clock_gettime')!)).toBe('clock_gettime');
    expect(syscallName(PPM_SC_MAX)).toBeUndefined();
    expect(syscallName(-1)).toBeUndefined();
    for (const n of PPM_SC_NAMES) expect(n).toMatch(/^[a-z0-9_]+$/);
  });

  it('names L4 protocols', () => {
    expect(l4protoName(2)).toBe('tcp');
    expect(l4protoName(3)).toBe('udp');
    expect(l4protoName(0)).toBe('<NA>');
  });
});
