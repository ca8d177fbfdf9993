import { describe, expect, it } from 'vitest';
import { eventInfo } from '../../src/scap/event-table.js';
import { ENUM_TABLES, FLAG_TABLES, MODE_TABLES, flagName, formatFlags, formatMode, formatParamFlags } from '../../src/scap/flags.js';

describe('flag tables', () => {
  it('holds every table of the schema', () => {
    expect(Object.keys(FLAG_TABLES)).toHaveLength(55);
    for (const t of ['file_flags', 'clone_flags', 'prot_flags', 'mmap_flags', 'socket_families', 'fcntl_commands', 'ptrace_requests', 'mount_flags', 'poll_flags'])
      expect(FLAG_TABLES[t], t).toBeDefined();
    expect([...MODE_TABLES].sort()).toEqual(['chmod_mode', 'mknod_mode']);
    expect(ENUM_TABLES.has('socket_families')).toBe(true);
    expect(ENUM_TABLES.has('file_flags')).toBe(false);
    for (const [name, values] of Object.entries(FLAG_TABLES)) {
      expect(values.length, name).toBeGreaterThan(0);
      for (const v of values) {
        expect(v.name).toMatch(/^[A-Za-z0-9_]+$/);
        expect(Number.isInteger(v.value) && v.value >= 0 && v.value <= 0xffffffff).toBe(true);
      }
    }
    expect(flagName('file_flags', 0x1000)).toBe('O_CLOEXEC');
    expect(flagName('fcntl_commands', 1)).toBe('F_DUPFD'); // PPM encoding, not the host's 0
    expect(flagName('socket_families', 10)).toBe('AF_INET6');
    expect(flagName('nope', 1)).toBeUndefined();
  });

  // Expected strings as sysdig prints them for the sample captures (and libsinsp's own tests).
  it('renders bitmask flags like libsinsp', () => {
    expect(formatFlags('file_flags', 4097, false)).toBe('O_RDONLY|O_CLOEXEC');
    expect(formatFlags('file_flags', 1, false)).toBe('O_RDONLY');
    expect(formatFlags('file_flags', 3, false)).toBe('O_RDWR');
    expect(formatFlags('file_flags', 0, false)).toBe('O_NONE');
    expect(formatFlags('file_flags', 0x4 | 0x2 | 0x100, false)).toBe('O_TRUNC|O_CREAT|O_WRONLY');
    expect(formatFlags('prot_flags', 3, false)).toBe('PROT_READ|PROT_WRITE');
    expect(formatFlags('prot_flags', 5, false)).toBe('PROT_READ|PROT_EXEC');
    expect(formatFlags('prot_flags', 0, false)).toBe('PROT_NONE');
    expect(formatFlags('mmap_flags', 1030, false)).toBe('MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE');
    expect(formatFlags('mmap_flags', 74, false)).toBe('MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE');
    expect(formatFlags('futex_operations', 129, false)).toBe('FUTEX_PRIVATE_FLAG|FUTEX_WAKE');
    expect(formatFlags('futex_operations', 393, false)).toBe('FUTEX_CLOCK_REALTIME|FUTEX_PRIVATE_FLAG|FUTEX_WAIT_BITSET');
    expect(formatFlags('clone_flags', 47619, false)).toBe(
      'CLONE_FILES|CLONE_FS|CLONE_PARENT_SETTID|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_VM',
    );
    expect(formatFlags('access_flags', 0, false)).toBe('F_OK');
    expect(formatFlags('access_flags', 4, false)).toBe('R_OK');
  });

  it('renders nothing when no flag matches', () => {
    expect(formatFlags('prot_flags', 0x100000, false)).toBe('');
    expect(formatFlags('unlinkat_flags', 0, false)).toBe('');
    expect(formatFlags('no_such_table', 1, false)).toBe('');
  });

  it('renders enums by exact value, listing aliases', () => {
    expect(formatFlags('socket_families', 1, true)).toBe('AF_LOCAL|AF_UNIX');
    expect(formatFlags('socket_families', 2, true)).toBe('AF_INET');
    expect(formatFlags('fcntl_commands', 1, true)).toBe('F_DUPFD');
    expect(formatFlags('fcntl_commands', 0, true)).toBe('UNKNOWN');
    expect(formatFlags('fcntl_commands', 5, true)).toBe('F_SETFL');
    expect(formatFlags('rlimit_resources', 3, true)).toBe('RLIMIT_STACK');
    expect(formatFlags('fcntl_commands', 250, true)).toBe('');
  });

  it('renders modes like libsinsp', () => {
    expect(formatMode('chmod_mode', 0o755)).toBe('S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR');
    expect(formatMode('chmod_mode', 0o4)).toBe('S_IROTH');
    expect(formatMode('chmod_mode', 0o4755)).toBe('S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID');
    expect(formatMode('chmod_mode', 0)).toBe('');
    expect(formatMode('mknod_mode', 0o100644)).toBe('S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR|S_IFREG');
    expect(formatFlags('chmod_mode', 0o600, false)).toBe('S_IWUSR|S_IRUSR');
  });

  it('dispatches on the parameter type', () => {
    const openat = eventInfo(307)!;
    expect(formatParamFlags(openat.params[3]!, 4097)).toBe('O_RDONLY|O_CLOEXEC');
    expect(formatParamFlags(openat.params[0]!, 4097)).toBe('');
    const socketE = eventInfo(18)!; // old socket enter: domain is an enum
    expect(socketE.params[0]!.name).toBe('domain');
    expect(formatParamFlags(socketE.params[0]!, 1)).toBe('AF_LOCAL|AF_UNIX');
    const chmodX = eventInfo(315)!;
    expect(formatParamFlags(chmodX.params[2]!, 0o644)).toBe('S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR');
  });
});
