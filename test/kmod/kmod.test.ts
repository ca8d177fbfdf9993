import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it, expect } from 'vitest';

// Boots Debian's kernel in qemu with the falco-scap module (see .ci/kmod.sh).
// Slow (minutes) and needs root + qemu: only with FALCO_SCAP_KMOD_TEST=1.
const enabled = process.env.FALCO_SCAP_KMOD_TEST === '1';
const root = resolve(__dirname, '../..');

describe('kernel module in qemu', () => {
  if (!enabled) {
    it.skip('skipped: set FALCO_SCAP_KMOD_TEST=1 to build the module and boot it in qemu', () => {});
    return;
  }
  it('builds, loads, records a capture sysdig can read, unloads', () => {
    const out = execFileSync('bash', [resolve(root, '.ci/kmod.sh')], { encoding: 'utf8', timeout: 1_200_000 });
    expect(out).toMatch(/kmod: PASS/);
  }, 1_300_000);
});
