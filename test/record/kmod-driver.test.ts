import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseDriver, KMOD_DEVICE } from '../../src/record/driver.js';
import { loadNativeRecorder, privilegeProblem } from '../../src/record/native.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isRoot } from '../helpers/shared.js';

// `record --driver kmod|ebpf|auto`: which driver is picked and what is said when it
// cannot work. The module itself is exercised in qemu by .ci/kmod.sh (this kernel
// cannot load modules); here the device and BTF paths are stand-ins.
const dir = mkdtempSync(join(tmpdir(), 'fs-kmod-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fakeDevice = join(dir, 'falco-scap');
writeFileSync(fakeDevice, '');
const fakeBtf = join(dir, 'vmlinux');
writeFileSync(fakeBtf, '');
const missing = join(dir, 'missing');

describe('chooseDriver', () => {
  it('auto picks the kernel module when its device exists', () => {
    expect(chooseDriver('auto', { kmodDevice: fakeDevice, btfPath: missing })).toEqual({ ok: true, driver: 'kmod', device: fakeDevice });
  });

  it('auto falls back to eBPF without the device', () => {
    const d = chooseDriver('auto', { kmodDevice: missing, btfPath: fakeBtf });
    const priv = privilegeProblem();
    if (priv === undefined) expect(d).toEqual({ ok: true, driver: 'ebpf', device: missing });
    else expect(d).toEqual({ ok: false, reason: `eBPF driver: ${priv}` });
  });

  it('auto with neither the device nor BTF names both', () => {
    const d = chooseDriver('auto', { kmodDevice: missing, btfPath: join(dir, 'no-btf') });
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toMatch(/^no driver available: .*missing does not exist \(load the falco_scap kernel module/);
      expect(d.reason).toContain('has no BTF');
      expect(d.reason).not.toContain('\n');
    }
  });

  it('kmod without the device says to load the module', () => {
    const d = chooseDriver('kmod', { kmodDevice: missing, btfPath: fakeBtf });
    expect(d).toEqual({
      ok: false,
      reason: `kmod driver: ${missing} does not exist: load the falco_scap kernel module first (insmod falco_scap.ko; see docs/kmod.md)`,
    });
  });

  it('ebpf without BTF says so and points at the module', () => {
    const d = chooseDriver('ebpf', { kmodDevice: fakeDevice, btfPath: missing });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toMatch(/^eBPF driver: this kernel has no BTF \(.*missing is missing\).*--driver kmod/);
  });

  it('defaults to /dev/falco-scap and rejects unknown drivers', () => {
    expect(KMOD_DEVICE).toBe('/dev/falco-scap');
    const d = chooseDriver('kmod');
    if (existsSync(KMOD_DEVICE)) expect(d.ok || /needs root/.test(String((d as { reason: string }).reason))).toBe(true);
    else expect(d).toEqual({ ok: false, reason: expect.stringMatching(/^kmod driver: \/dev\/falco-scap does not exist/) });
    expect(chooseDriver('bogus' as 'auto')).toEqual({ ok: false, reason: "unknown driver 'bogus' (use kmod, ebpf or auto)" });
  });

  const dist = join(import.meta.dirname, '..', '..', 'dist', 'record', 'driver.js');
  const canDrop = isRoot && spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!canDrop || !existsSync(dist))('kmod with a root-only device says it needs root when unprivileged', () => {
    const dev = join(dir, 'root-only');
    writeFileSync(dev, '');
    chmodSync(dev, 0o600);
    chmodSync(dir, 0o755);
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e',
        `import { chooseDriver } from ${JSON.stringify(dist)}; console.log(JSON.stringify(chooseDriver('kmod', { kmodDevice: ${JSON.stringify(dev)} })));`],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, reason: `kmod driver: opening ${dev} needs root` });
  });
});

describe('record --driver (CLI)', () => {
  const hasCli = existsSync(CLI);

  it.skipIf(!hasCli)('rejects an unknown driver with one line and exit 2', async () => {
    const r = await runCli(['record', '--driver', 'dtrace', '-w', join(dir, 'x.scap')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--driver: 'dtrace' is not one of kmod, ebpf, auto/);
    expect(existsSync(join(dir, 'x.scap'))).toBe(false);
  });

  it.skipIf(!hasCli)('--driver kmod without the module: one line, exit 2, no file', async () => {
    const out = join(dir, 'nodev.scap');
    const r = await runCli(['record', '--driver', 'kmod', '--kmod-device', missing, '-w', out, '--duration', '1s']);
    const lr = loadNativeRecorder();
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    // without the addon that is the first thing said; with it, the missing device
    if (lr.ok) expect(r.stderr).toContain(`cannot record: kmod driver: ${missing} does not exist: load the falco_scap kernel module`);
    else expect(r.stderr).toContain('cannot record: the native recorder');
    expect(existsSync(out)).toBe(false);
  });

  // The addon itself refuses a file that is not the module's device (the ioctl
  // handshake fails) and leaves no capture behind.
  const lr = loadNativeRecorder();
  const kmodAddon = lr.ok && (lr.addon.drivers ?? []).includes('kmod');
  it.skipIf(!hasCli || !kmodAddon)('--driver kmod on a device that is not the module: one line, exit 2, no file', async () => {
    const out = join(dir, 'null.scap');
    const r = await runCli(['record', '--driver', 'kmod', '--kmod-device', '/dev/null', '-w', out, '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot open the kernel module's device \/dev\/null: .*not a falco-scap device/);
    expect(existsSync(out)).toBe(false);
  });

  it.skipIf(!kmodAddon)('the addon reports a missing device by errno, with the hint', () => {
    if (!lr.ok) throw new Error('unreachable');
    const out = join(dir, 'addon.scap');
    expect(() => lr.addon.start({ out, driver: 'kmod', kmodDevice: missing })).toThrow(
      /^cannot open the kernel module's device .*missing: No such file or directory \(the falco_scap module is not loaded/,
    );
    expect(existsSync(out)).toBe(false);
    expect(lr.addon.stats()).toBeNull();
  });
});
