import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScapWriter } from '../../src/scap/writer.js';

// driver/common holds the encoder, the flag conversions and the socket layouts that the
// eBPF driver and the kernel module both compile. Built here in user space (the headers
// only need fixed-width types and copy macros), its events must read back as the
// libscap event table says, field by field through our own inspect.
const hasCc = spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0;
const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

describe.skipIf(!hasCc)('driver/common encoders (built in user space)', () => {
  let dir: string;
  let lines: string[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fscap-common-'));
    const exe = join(dir, 'common-encode');
    execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-D_GNU_SOURCE', '-o', exe, join(import.meta.dirname, 'fixtures', 'common-encode.c')]);
    const raw = execFileSync(exe);
    const cap = join(dir, 'common.scap');
    const w = await ScapWriter.create(cap, { force: true });
    w.writeSectionHeader();
    for (let o = 0; o < raw.length; ) {
      const len = raw.readUInt32LE(o + 16);
      w.writeEventBytes(raw.subarray(o, o + len), 0);
      o += len;
    }
    await w.close();
    const fmt =
      '*%evt.type %evt.arg.flags %evt.arg.mode %evt.arg.dev %evt.arg.ino %evt.arg.tuple %evt.arg.addr ' +
      '%evt.rawarg.ruid %evt.rawarg.euid %evt.rawarg.suid';
    const r = spawnSync(process.execPath, [cli, 'inspect', cap, '-p', fmt], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    lines = r.stdout.trim().split('\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes five events, each with its parameters in place', () => {
    expect(lines).toHaveLength(5);
  });

  const NA5 = '<NA> <NA> <NA> <NA> <NA>';
  it('open flags, mode, device numbers and inode', () => {
    expect(lines[0]).toBe(`openat O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC 0644 FE01 1234 <NA> <NA> <NA> <NA> <NA>`);
  });

  it('IPv4 socket tuple and sockaddr: addresses in network order, ports in host order', () => {
    expect(lines[1]).toBe('connect <NA> <NA> <NA> <NA> 127.0.0.1:40000->127.0.0.1:8080 127.0.0.1:8080 <NA> <NA> <NA>');
  });

  it('unix socket tuple (source, peer, path) and sockaddr', () => {
    expect(lines[2]).toBe('connect <NA> <NA> <NA> <NA> 1111->2222 /run/x.sock /run/x.sock <NA> <NA> <NA>');
  });

  it('setresuid exit ids', () => {
    expect(lines[3]).toBe(`setresuid ${NA5} <NA> 65534 65534 65534`);
  });

  it('clone flag bits', () => {
    expect(lines[4]).toBe(`unshare CLONE_FILES|CLONE_FS|CLONE_NEWNET|CLONE_SIGHAND|CLONE_THREAD|CLONE_VM ${NA5} <NA> <NA> <NA>`);
  });
});
