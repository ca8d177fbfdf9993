/**
 * container.* and k8s.*: container metadata of the event's thread, as the container plugin
 * extracts it (k8s.pod.* and k8s.ns.name come from the container's CRI labels).
 */
import { compileGlob } from '../filter/glob.js';
import type { ContainerInfo, ContainerMount, ThreadInfo } from '../state/model.js';
import type { ReplayContext } from './context.js';
import { argField, field, type ReplayFieldDef } from './def.js';
import { FieldArgError, type Extractor, type FieldValue } from './types.js';

const C = 'container';
const K = 'k8s';
const SHORT_ID = 12;

/** Container members beyond model.ts the state engine may fill. */
interface ContainerExtras {
  fullId?: string;
  cniResult?: string;
  hostPid?: boolean;
  hostNetwork?: boolean;
  hostIpc?: boolean;
  podSandboxLabels?: Record<string, string>;
}

function extras(c: ContainerInfo): ContainerExtras {
  return c as ContainerInfo & ContainerExtras;
}

/** The thread's container id; host threads have none ('' or 'host'). */
function cidOf(t: ThreadInfo): string {
  return t.containerId;
}

function isHost(id: string): boolean {
  return id === '' || id === 'host';
}

/**
 * The container plugin's entry for host processes: id, name and type 'host', every other
 * member empty (so string fields extract '' rather than nothing).
 */
const HOST_INFO: ContainerInfo = {
  id: 'host',
  type: 'host',
  name: 'host',
  image: '',
  imageId: '',
  imageRepository: '',
  imageTag: '',
  imageDigest: '',
  privileged: false,
  labels: {},
  mounts: [],
  ip: '',
  podSandboxId: '',
};

/**
 * The thread's container record: the host entry for host processes (none in sysdig 0.29
 * mode, where host processes have no container metadata), undefined when unknown.
 */
function containerOf(ctx: ReplayContext): ContainerInfo | undefined {
  const t = ctx.thread;
  if (t === undefined) return undefined;
  const id = cidOf(t);
  if (isHost(id)) return ctx.render.sysdig029 === true ? undefined : HOST_INFO;
  return ctx.state.containers.get(id);
}

// ---------------------------------------------------------------------------------------
// Health probes (sysdig 0.29 only; current libsinsp dropped these fields' values)
// ---------------------------------------------------------------------------------------

type ProbeKey = 'healthcheck' | 'livenessProbe' | 'readinessProbe';
const PROBE_KEYS: readonly ProbeKey[] = ['healthcheck', 'livenessProbe', 'readinessProbe'];

interface Probe {
  readonly exe: string;
  readonly args: readonly string[];
}

/** A probe of the container JSON ({"exe": ..., "args": [...]}), as libsinsp 0.9 parsed it. */
function probeOf(c: ContainerInfo, key: ProbeKey): Probe | undefined {
  const text = c[key];
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const exe = o['exe'];
  if (typeof exe !== 'string' && typeof exe !== 'number' && typeof exe !== 'boolean') return undefined;
  const args = Array.isArray(o['args']) ? (o['args'] as unknown[]).filter((a) => typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean').map(String) : [];
  return { exe: String(exe), args };
}

/**
 * sysdig 0.29's container.healthcheck / liveness_probe / readiness_probe: the probe's
 * command line, 'NONE' for a known container without one, no value on the host or for
 * an unknown container. Current libsinsp: no value.
 */
function probeText(key: ProbeKey): Extractor<ReplayContext> {
  return (ctx) => {
    if (ctx.render.sysdig029 !== true) return undefined;
    const c = containerOf(ctx);
    if (c === undefined) return undefined;
    const p = probeOf(c, key);
    return p === undefined ? 'NONE' : [p.exe, ...p.args].join(' ');
  };
}

/** libsinsp 0.9 identify_category: 'container' (its init), a probe type, or undefined (none). */
function categoryOf(ctx: ReplayContext, t: ThreadInfo, depth = 0): ProbeKey | 'container' | undefined {
  const id = cidOf(t);
  if (isHost(id) || depth > 64) return undefined;
  if (t.vpid === 1) return 'container';
  const parent = ctx.state.threads.get(t.ptid);
  if (parent !== undefined && parent !== t) {
    const pc = categoryOf(ctx, parent, depth + 1);
    if (pc !== undefined) return pc;
  }
  const c = ctx.state.containers.get(id);
  if (c === undefined) return undefined;
  for (const key of PROBE_KEYS) {
    const p = probeOf(c, key);
    if (p !== undefined && p.exe === t.exe && p.args.length === t.args.length && p.args.every((a, i) => a === t.args[i])) return key;
  }
  return undefined;
}

/**
 * sysdig 0.29's proc.is_container_*: true for the processes of a container health probe
 * (a process whose exe and args are the probe's, and its descendants), false for every
 * other process. libsinsp 0.9 fixed the category at clone/execve; this evaluates the
 * same rule on the thread's current state. Current libsinsp: no value.
 */
function isProbe(key: ProbeKey): Extractor<ReplayContext> {
  return (ctx) => {
    const t = ctx.thread;
    if (ctx.render.sysdig029 !== true || t === undefined) return undefined;
    return categoryOf(ctx, t) === key;
  };
}

/** A field read from the container record; NA on the host and when the container is unknown. */
function onContainer(get: (c: ContainerInfo, ctx: ReplayContext) => FieldValue | undefined): Extractor<ReplayContext> {
  return (ctx) => {
    const c = containerOf(ctx);
    return c === undefined ? undefined : get(c, ctx);
  };
}

function mountString(m: ContainerMount): string {
  return `${m.source}:${m.dest}:${m.mode}:${m.rw ? 'true' : 'false'}:${m.propagation}`;
}

/** Labels as `k:v, k2:v2`, skipping annotations and io.kubernetes.* labels, sorted by key. */
function labelsString(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return '';
  const parts: string[] = [];
  for (const k of Object.keys(labels).sort()) {
    if (k.startsWith('annotation.') || k.startsWith('io.kubernetes.')) continue;
    const v = labels[k]!;
    parts.push(v === '' ? k : `${k}:${v}`);
  }
  return parts.join(', ');
}

/** The pod sandbox container of a CRI container ('' looks up the host entry, as the plugin does). */
function sandboxById(ctx: ReplayContext, c: ContainerInfo): ContainerInfo | undefined {
  const sid = (c.podSandboxId ?? '').slice(0, SHORT_ID);
  return sid === '' ? HOST_INFO : ctx.state.containers.get(sid);
}

function sandboxOf(ctx: ReplayContext, c: ContainerInfo): ContainerInfo | undefined {
  if ((extras(c).cniResult ?? '') !== '') return undefined;
  return sandboxById(ctx, c);
}

function podLabels(ctx: ReplayContext, c: ContainerInfo): Record<string, string> | undefined {
  const sb = sandboxOf(ctx, c);
  if (sb !== undefined) return extras(sb).podSandboxLabels ?? sb.labels;
  return extras(c).podSandboxLabels ?? c.labels;
}

type MountPart = 'all' | 'source' | 'dest' | 'mode' | 'rdwr' | 'propagation';

function mountField(name: string, part: MountPart, description: string): ReplayFieldDef {
  return argField(C, name, 'charbuf', description, 'index-or-key', (arg) => {
    if (arg === undefined || arg === '') throw new FieldArgError(`'${name}' needs a mount index or path`);
    let pick: (c: ContainerInfo) => ContainerMount | undefined;
    if (/^[0-9]+$/.test(arg)) {
      const i = Number(arg);
      pick = (c) => c.mounts[i];
    } else {
      const match = compileGlob(arg);
      // container.mount.source is looked up by destination, the others by source.
      pick = part === 'source' ? (c) => c.mounts.find((m) => match(m.dest)) : (c) => c.mounts.find((m) => match(m.source));
    }
    return onContainer((c) => {
      const m = pick(c);
      if (m === undefined) return undefined;
      switch (part) {
        case 'all':
          return mountString(m);
        case 'source':
          return m.source;
        case 'dest':
          return m.dest;
        case 'mode':
          return m.mode;
        case 'rdwr':
          return m.rw ? 'true' : 'false';
        case 'propagation':
          return m.propagation;
      }
    });
  });
}

function startTs(t: ThreadInfo): bigint {
  return t.pidnsInitStartTs;
}

const none: Extractor<ReplayContext> = () => undefined;

function deprecatedK8s(name: string, withLabel: boolean): ReplayFieldDef[] {
  const out: ReplayFieldDef[] = [
    field(K, `k8s.${name}.name`, 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', none, { deprecated: true }),
    field(K, `k8s.${name}.id`, 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', none, { deprecated: true }),
  ];
  if (withLabel) {
    out.push(argField(K, `k8s.${name}.label`, 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', 'key', () => none, { deprecated: true }));
    out.push(field(K, `k8s.${name}.labels`, 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', none, { deprecated: true }));
  }
  return out;
}

export const CONTAINER_FIELDS: readonly ReplayFieldDef[] = [
  field(C, 'container.id', 'charbuf', "Container id, truncated to 12 characters; 'host' for processes outside containers.", (ctx) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    const id = cidOf(t);
    if (isHost(id)) return 'host';
    return ctx.state.containers.get(id)?.id ?? id;
  }),
  field(C, 'container.full_id', 'charbuf', 'Full container id (from the container engine).', onContainer((c) => extras(c).fullId ?? c.id)),
  field(C, 'container.name', 'charbuf', "Container name; 'host' for processes outside containers.", (ctx) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    if (isHost(cidOf(t))) return 'host';
    return containerOf(ctx)?.name;
  }),
  field(C, 'container.image', 'charbuf', 'Container image name (e.g. falcosecurity/falco:latest).', onContainer((c) => c.image)),
  field(C, 'container.image.id', 'charbuf', 'Container image id.', onContainer((c) => c.imageId)),
  field(C, 'container.type', 'charbuf', "Container type: docker, cri-o, containerd, podman, ...; 'host' outside containers.", (ctx) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    if (isHost(cidOf(t))) return 'host';
    return containerOf(ctx)?.type;
  }),
  field(C, 'container.privileged', 'bool', "'true' for privileged containers.", onContainer((c) => c.privileged)),
  field(C, 'container.mounts', 'charbuf', "Mounts of the container, comma-separated 'source:dest:mode:rdrw:propagation' items.", onContainer((c) => c.mounts.map(mountString).join(','))),
  mountField('container.mount', 'all', "One mount, by index (container.mount[0]) or source path glob (container.mount[/usr/local/*]), as 'source:dest:mode:rdrw:propagation'."),
  mountField('container.mount.source', 'source', 'Source of a mount, by index or destination path glob.'),
  mountField('container.mount.dest', 'dest', 'Destination of a mount, by index or source path glob.'),
  mountField('container.mount.mode', 'mode', 'Mode of a mount, by index or source path glob.'),
  mountField('container.mount.rdwr', 'rdwr', 'Read/write flag of a mount, by index or source path glob.'),
  mountField('container.mount.propagation', 'propagation', 'Propagation of a mount, by index or source path glob.'),
  field(C, 'container.image.repository', 'charbuf', 'Container image repository (e.g. falcosecurity/falco).', onContainer((c) => c.imageRepository)),
  field(C, 'container.image.tag', 'charbuf', 'Container image tag (e.g. latest).', onContainer((c) => c.imageTag)),
  field(C, 'container.image.digest', 'charbuf', 'Container image registry digest (sha256:...).', onContainer((c) => c.imageDigest)),
  field(C, 'container.healthcheck', 'charbuf', 'Deprecated; never has a value.', probeText('healthcheck'), { deprecated: true }),
  field(C, 'container.liveness_probe', 'charbuf', 'Deprecated; never has a value.', probeText('livenessProbe'), { deprecated: true }),
  field(C, 'container.readiness_probe', 'charbuf', 'Deprecated; never has a value.', probeText('readinessProbe'), { deprecated: true }),
  field(C, 'container.start_ts', 'abstime', 'Container start time (start of its pid namespace init), ns since the epoch.', (ctx) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    const s = startTs(t);
    return s === 0n ? undefined : s <= 9007199254740991n ? Number(s) : s;
  }),
  field(C, 'container.duration', 'reltime', 'Nanoseconds since container.start_ts.', (ctx) => {
    const t = ctx.thread;
    if (t === undefined) return undefined;
    const s = startTs(t);
    return s === 0n ? undefined : Number(ctx.evt.ts - s);
  }),
  field(C, 'container.ip', 'charbuf', 'Primary IPv4 address of the container.', onContainer((c) => c.ip)),
  field(C, 'container.cni.json', 'charbuf', "The container's CNI result as JSON text (CRI engines).", onContainer((c) => extras(c).cniResult ?? '')),
  field(C, 'container.host_pid', 'bool', "'true' when the container shares the host pid namespace.", onContainer((c) => extras(c).hostPid ?? false)),
  field(C, 'container.host_network', 'bool', "'true' when the container shares the host network namespace.", onContainer((c) => extras(c).hostNetwork ?? false)),
  field(C, 'container.host_ipc', 'bool', "'true' when the container shares the host IPC namespace.", onContainer((c) => extras(c).hostIpc ?? false)),
  argField(C, 'container.label', 'charbuf', 'One container label, e.g. container.label.foo or container.label[foo].', 'key', (arg) => {
    const key = arg ?? '';
    return onContainer((c) => (Object.prototype.hasOwnProperty.call(c.labels, key) ? c.labels[key] : undefined));
  }),
  field(C, 'container.labels', 'charbuf', "Container labels as 'key:value' items separated by ', '.", onContainer((c) => labelsString(c.labels))),
  field('process', 'proc.is_container_healthcheck', 'bool', 'Deprecated; never has a value.', isProbe('healthcheck'), { deprecated: true }),
  field('process', 'proc.is_container_liveness_probe', 'bool', 'Deprecated; never has a value.', isProbe('livenessProbe'), { deprecated: true }),
  field('process', 'proc.is_container_readiness_probe', 'bool', 'Deprecated; never has a value.', isProbe('readinessProbe'), { deprecated: true }),
  field(K, 'k8s.pod.name', 'charbuf', 'Kubernetes pod name (from the io.kubernetes.pod.name label).', onContainer((c) => c.labels['io.kubernetes.pod.name'])),
  field(K, 'k8s.ns.name', 'charbuf', 'Kubernetes namespace (from the io.kubernetes.pod.namespace label).', onContainer((c) => c.labels['io.kubernetes.pod.namespace'])),
  field(K, 'k8s.pod.id', 'charbuf', 'Legacy name of k8s.pod.uid.', onContainer((c) => c.labels['io.kubernetes.pod.uid'])),
  field(K, 'k8s.pod.uid', 'charbuf', 'Kubernetes pod UID (from the io.kubernetes.pod.uid label).', onContainer((c) => c.labels['io.kubernetes.pod.uid'])),
  field(K, 'k8s.pod.sandbox_id', 'charbuf', 'Pod sandbox id, truncated to 12 characters.', onContainer((c) => (c.podSandboxId ?? '').slice(0, SHORT_ID))),
  field(K, 'k8s.pod.full_sandbox_id', 'charbuf', 'Full pod sandbox id.', onContainer((c) => c.podSandboxId ?? '')),
  argField(K, 'k8s.pod.label', 'charbuf', 'One pod label: k8s.pod.label[app.kubernetes.io/name] or k8s.pod.label.app.kubernetes.io/name.', 'key', (arg) => {
    const key = arg ?? '';
    return onContainer((c, ctx) => {
      const l = podLabels(ctx, c);
      return l !== undefined && Object.prototype.hasOwnProperty.call(l, key) ? l[key] : undefined;
    });
  }),
  field(K, 'k8s.pod.labels', 'charbuf', "Pod labels as 'key:value' items separated by ', '.", onContainer((c, ctx) => labelsString(podLabels(ctx, c)))),
  field(K, 'k8s.pod.ip', 'charbuf', 'Pod IPv4 address (same as container.ip).', onContainer((c, ctx) => {
    if ((extras(c).cniResult ?? '') === '') return sandboxById(ctx, c)?.ip;
    return c.ip;
  })),
  field(K, 'k8s.pod.cni.json', 'charbuf', "The pod's CNI result as JSON text.", onContainer((c, ctx) => {
    if ((extras(c).cniResult ?? '') === '') {
      const sb = sandboxById(ctx, c);
      return sb === undefined ? undefined : (extras(sb).cniResult ?? '');
    }
    return extras(c).cniResult;
  })),
  ...deprecatedK8s('rc', true),
  ...deprecatedK8s('svc', true),
  field(K, 'k8s.ns.id', 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', none, { deprecated: true }),
  argField(K, 'k8s.ns.label', 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', 'key', () => none, { deprecated: true }),
  field(K, 'k8s.ns.labels', 'charbuf', 'Deprecated; never has a value (use the k8smeta plugin).', none, { deprecated: true }),
  ...deprecatedK8s('rs', true),
  ...deprecatedK8s('deployment', true),
];
