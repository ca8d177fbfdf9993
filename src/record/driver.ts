/**
 * Which kernel driver `record` uses: the CO-RE eBPF driver (driver/bpf) or the
 * kernel module (driver/kmod, through its device). Both write the same events
 * into the same capture format; this module only decides and explains.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { privilegeProblem } from './native.js';

export type DriverKind = 'ebpf' | 'kmod';
export type DriverChoice = DriverKind | 'auto';

export const DRIVER_CHOICES: readonly DriverChoice[] = ['auto', 'kmod', 'ebpf'];
/** The kernel module's character device (driver/kmod/falco_scap_kmod.h). */
export const KMOD_DEVICE = '/dev/falco-scap';
/** The eBPF driver is CO-RE: it needs the kernel's BTF. */
export const BTF_PATH = '/sys/kernel/btf/vmlinux';

export interface DriverProbe {
  /** Device of the kernel module (default /dev/falco-scap). */
  kmodDevice?: string;
  /** Kernel BTF file (default /sys/kernel/btf/vmlinux); a parameter for tests. */
  btfPath?: string;
}

export type DriverDecision = { ok: true; driver: DriverKind; device: string } | { ok: false; reason: string };

const KMOD_HINT = 'load the falco_scap kernel module first (insmod falco_scap.ko; see docs/kmod.md)';

function kmodProblem(device: string): string | undefined {
  if (!existsSync(device)) return `${device} does not exist: ${KMOD_HINT}`;
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `opening ${device} needs root`;
    return `cannot open ${device}: ${(e as Error).message}`;
  }
  return undefined;
}

function ebpfProblem(btfPath: string): string | undefined {
  if (!existsSync(btfPath))
    return `this kernel has no BTF (${btfPath} is missing), which the eBPF driver needs; use the kernel module instead (--driver kmod)`;
  return privilegeProblem();
}

/**
 * Picks the driver for a choice: `auto` is the kernel module when its device
 * exists, the eBPF driver otherwise. Never throws; says why when the chosen
 * driver cannot work here.
 */
export function chooseDriver(choice: DriverChoice = 'auto', probe: DriverProbe = {}): DriverDecision {
  const device = probe.kmodDevice ?? KMOD_DEVICE;
  const btf = probe.btfPath ?? BTF_PATH;
  if (!DRIVER_CHOICES.includes(choice)) return { ok: false, reason: `unknown driver '${String(choice)}' (use kmod, ebpf or auto)` };
  const kind: DriverKind = choice === 'auto' ? (existsSync(device) ? 'kmod' : 'ebpf') : choice;
  if (kind === 'kmod') {
    const p = kmodProblem(device);
    return p ? { ok: false, reason: `kmod driver: ${p}` } : { ok: true, driver: 'kmod', device };
  }
  const p = ebpfProblem(btf);
  if (!p) return { ok: true, driver: 'ebpf', device };
  if (choice === 'auto' && !existsSync(btf))
    return { ok: false, reason: `no driver available: ${device} does not exist (${KMOD_HINT}) and this kernel has no BTF (${btf}) for the eBPF driver` };
  return { ok: false, reason: `eBPF driver: ${p}` };
}
