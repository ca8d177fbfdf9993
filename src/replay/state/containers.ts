/**
 * Containers: the container table filled from container metaevents (PPME_CONTAINER_E,
 * PPME_CONTAINER_JSON_E and PPME_CONTAINER_JSON_2_E), and the container id of a thread
 * derived from its cgroups the way the runc-based engines (docker, cri-o, containerd,
 * podman) and the lxc / libvirt-lxc / mesos engines derive it.
 */
import type { ContainerInfo, ContainerMount } from './model.js';

/** libsinsp sinsp_container_type numbering → the name container.type prints. */
export const CONTAINER_TYPE_NAMES: readonly string[] = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'];

export function containerTypeName(type: number): string {
  return CONTAINER_TYPE_NAMES[type] ?? 'unknown';
}

const HEX = /^[0-9a-fA-F]{64}$/;

/** A runc cgroup layout: the id is the 64 hex digits between `prefix` and `suffix` at the end of the path. */
interface Layout {
  prefix: string;
  suffix: string;
}

const DOCKER: readonly Layout[] = [
  { prefix: '/', suffix: '' },
  { prefix: '/docker-', suffix: '.scope' },
];
const CRI: readonly Layout[] = [
  { prefix: '/', suffix: '' },
  { prefix: '/crio-', suffix: '' },
  { prefix: '/cri-containerd-', suffix: '.scope' },
  { prefix: '/crio-', suffix: '.scope' },
  { prefix: ':cri-containerd:', suffix: '' },
];
const PODMAN: readonly Layout[] = [
  { prefix: '/libpod-', suffix: '.scope' },
  { prefix: '/libpod-', suffix: '' },
];

/** libsinsp runc matcher: last `prefix`, `suffix` ending the path, exactly 64 hex digits between; the id is the first 12. */
function matchLayout(cgroup: string, l: Layout): string | undefined {
  const s = cgroup.lastIndexOf(l.prefix);
  if (s < 0) return undefined;
  const start = s + l.prefix.length;
  const end = l.suffix === '' ? cgroup.length : cgroup.lastIndexOf(l.suffix);
  if (end < 0 || end + l.suffix.length !== cgroup.length) return undefined;
  if (end - start !== 64) return undefined;
  const id = cgroup.slice(start, end);
  return HEX.test(id) ? id.slice(0, 12) : undefined;
}

function matchLayouts(paths: readonly string[], layouts: readonly Layout[]): string | undefined {
  for (const p of paths) {
    for (const l of layouts) {
      const id = matchLayout(p, l);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/** The cgroup paths of "subsystem=path" items. */
function cgroupPaths(cgroups: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of cgroups) {
    const eq = c.indexOf('=');
    out.push(eq >= 0 ? c.slice(eq + 1) : c);
  }
  return out;
}

export interface CgroupMatch {
  id: string;
  type: string;
}

/**
 * The container a thread with these cgroups runs in, or undefined for the host. Engines
 * are tried in libsinsp's order: docker, cri (containerd / cri-o), podman, lxc,
 * libvirt-lxc, mesos.
 */
export function containerFromCgroups(cgroups: readonly string[]): CgroupMatch | undefined {
  if (cgroups.length === 0) return undefined;
  // The parsers share one array between every thread with the same cgroups (BytesMemo,
  // clone copies): the array itself is the cheapest key.
  const same = byList.get(cgroups);
  if (same !== undefined) return same === null ? undefined : same;
  const m = containerFromCgroupsText(cgroups);
  byList.set(cgroups, m ?? null);
  return m;
}

const byList: WeakMap<readonly string[], CgroupMatch | null> = new WeakMap();

function containerFromCgroupsText(cgroups: readonly string[]): CgroupMatch | undefined {
  const key = cgroups.length === 1 ? cgroups[0]! : cgroups.join('\n');
  const hit = matchCache.get(key);
  if (hit !== undefined) return hit === null ? undefined : hit;
  const m = matchCgroups(cgroups);
  if (matchCache.size >= MATCH_CACHE_MAX) matchCache.clear();
  matchCache.set(key, m ?? null);
  return m;
}

/** Bounded memo of cgroup sets already matched (processes of one container share them). */
const MATCH_CACHE_MAX = 4096;
const matchCache: Map<string, CgroupMatch | null> = new Map();

function matchCgroups(cgroups: readonly string[]): CgroupMatch | undefined {
  const paths = cgroupPaths(cgroups);
  let id = matchLayouts(paths, DOCKER);
  if (id !== undefined) return { id, type: 'docker' };
  id = matchLayouts(paths, CRI);
  if (id !== undefined) return { id, type: 'cri' };
  id = matchLayouts(paths, PODMAN);
  if (id !== undefined) return { id, type: 'podman' };
  for (const p of paths) {
    // lxc: /lxc/<name>/... or /lxc.payload/<name> or /lxc.payload.<name>
    let m = /^\/lxc(?:\.payload)?[/.]([^/]+)/.exec(p);
    if (m) return { id: m[1]!, type: 'lxc' };
    m = /^\/machine\.slice\/machine-lxc(?:\\x2d|-)(.+)\.scope/.exec(p) ?? /^\/machine\/(.+)\.libvirt-lxc/.exec(p);
    if (m) return { id: m[1]!, type: 'libvirt-lxc' };
    m = /^\/mesos\/([0-9a-f-]{36})/.exec(p);
    if (m) return { id: m[1]!, type: 'mesos' };
  }
  return undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Whether the last parseContainerJson took the creation time from the event (no created_time in the JSON). */
let createdFromEvent = false;

/** Parses the JSON of a container metaevent (both JSON versions carry `{"container": {...}}`). */
export function parseContainerJson(json: string, ts?: bigint): ContainerInfo | undefined {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch {
    return undefined;
  }
  const c = obj(obj(root)?.['container']);
  if (c === undefined) return undefined;
  const id = str(c['id']);
  if (id === '') return undefined;
  const typeNum = typeof c['type'] === 'number' ? (c['type'] as number) : 0;
  const labels: Record<string, string> = {};
  const lab = obj(c['labels']);
  if (lab) for (const [k, v] of Object.entries(lab)) labels[k] = str(v);
  const mounts: ContainerMount[] = [];
  const ms = c['Mounts'];
  if (Array.isArray(ms)) {
    for (const m of ms) {
      const mo = obj(m);
      if (!mo) continue;
      mounts.push({ source: str(mo['Source']), dest: str(mo['Destination']), mode: str(mo['Mode']), rw: mo['RW'] === true, propagation: str(mo['Propagation']) });
    }
  }
  const info: ContainerInfo = {
    id,
    type: containerTypeName(typeNum),
    name: str(c['name']),
    image: str(c['image']),
    imageId: str(c['imageid']),
    imageRepository: str(c['imagerepo']),
    imageTag: str(c['imagetag']),
    imageDigest: str(c['imagedigest']),
    privileged: typeof c['privileged'] === 'boolean' ? (c['privileged'] as boolean) : undefined,
    labels,
    mounts,
    ip: ipOf(c['ip']),
  };
  if (typeof c['cpu_shares'] === 'number') info.cpuShares = c['cpu_shares'] as number;
  if (typeof c['memory_limit'] === 'number') info.memoryLimit = c['memory_limit'] as number;
  if (typeof c['User'] === 'string') info.user = c['User'] as string;
  if (c['Healthcheck'] !== undefined) info.healthcheck = JSON.stringify(c['Healthcheck']);
  if (c['LivenessProbe'] !== undefined) info.livenessProbe = JSON.stringify(c['LivenessProbe']);
  if (c['ReadinessProbe'] !== undefined) info.readinessProbe = JSON.stringify(c['ReadinessProbe']);
  createdFromEvent = false;
  if (typeof c['created_time'] === 'number') info.createdTs = BigInt(c['created_time'] as number) * 1000000000n;
  else if (ts !== undefined) {
    info.createdTs = ts;
    createdFromEvent = true;
  }
  const sandbox = labels['io.kubernetes.sandbox.id'] ?? str(c['pod_sandbox_id']);
  if (sandbox) info.podSandboxId = sandbox;
  return info;
}

/** The container event's ip is a host-order u32 in the JSON; text stays as is. */
function ipOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v !== 'number' || v === 0) return '';
  const n = v >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class ContainerTable {
  readonly map: Map<string, ContainerInfo> = new Map();

  get(id: string): ContainerInfo | undefined {
    return this.map.get(id);
  }

  add(info: ContainerInfo): void {
    this.map.set(info.id, info);
  }

  // Container JSON events repeat the same texts (one per container at every capture start,
  // a "lookup started" and a "lookup done" text per container, updates): the record parsed
  // from a text is remembered and stored again when the same text comes back, instead of
  // parsing it again. Records are changed in place only through `changed()` (which forgets
  // them all), so a remembered record still equals a fresh parse, except for the creation
  // time when the JSON has none (the event's time).
  private readonly fromJson: Map<string, { info: ContainerInfo; createdFromEvent: boolean }> = new Map();

  /** Parses a container JSON event (see parseContainerJson) and stores the record; undefined when the JSON is not one. */
  addJson(json: string, ts: bigint): ContainerInfo | undefined {
    const hit = this.fromJson.get(json);
    if (hit !== undefined) {
      if (hit.createdFromEvent) hit.info.createdTs = ts;
      this.add(hit.info);
      return hit.info;
    }
    const info = parseContainerJson(json, ts);
    if (info === undefined) return undefined;
    this.add(info);
    if (this.fromJson.size >= 1024) this.fromJson.clear();
    this.fromJson.set(json, { info, createdFromEvent });
    return info;
  }

  /** Call after changing a stored record in place: remembered JSON records are parsed again. */
  changed(): void {
    this.fromJson.clear();
  }

  /** A minimal entry for a container known only from a thread's cgroups. */
  ensure(id: string, type: string): ContainerInfo {
    let c = this.map.get(id);
    if (c === undefined) {
      c = { id, type, name: '', image: '', imageId: '', imageRepository: '', imageTag: '', imageDigest: '', privileged: undefined, labels: {}, mounts: [], ip: '' };
      this.map.set(id, c);
    }
    return c;
  }
}
