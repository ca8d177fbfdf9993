import { createHash } from 'node:crypto';
import { ScapReader } from '../../src/scap/reader.js';
import { decodeStateBlock } from '../../src/scap/blocks/index.js';
import { isStateBlockType } from '../../src/scap/reader.js';

export interface CaptureDigest {
  events: number;
  /** Hash over every event in V2 layout plus its CPU and flags: equal digests mean equal events. */
  eventHash: string;
  /** Decoded state blocks in order, as plain JSON values (bigints as strings). */
  state: unknown[];
}

function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : Buffer.isBuffer(x) ? x.toString('hex') : x));
}

/** Reads a capture fully and reduces it to what a lossless copy must preserve. */
export async function digestCapture(path: string): Promise<CaptureDigest> {
  const reader = await ScapReader.open(path);
  const hash = createHash('sha256');
  const state: string[] = [];
  let events = 0;
  const cpu = Buffer.alloc(6);
  try {
    await reader.read({
      onBlock(b) {
        if (!isStateBlockType(b.type)) return;
        const d = decodeStateBlock(b.type, b.buf, b.start, b.length, b.section.littleEndian, { file: path, offset: b.offset });
        if (d) delete d.sourceType;
        state.push(JSON.parse(toJson(d)));
      },
      onEvent(ev) {
        events++;
        cpu.writeUInt16LE(ev.cpu, 0);
        cpu.writeUInt32LE(ev.blockFlags >>> 0, 2);
        hash.update(cpu);
        hash.update(ev.toV2Bytes());
      },
    });
  } finally {
    await reader.close();
  }
  return { events, eventHash: hash.digest('hex'), state };
}

/**
 * Lists where `copy` differs from `original` for data the original holds. Fields the
 * original's (older) block version lacks may appear in the copy with their defaults.
 */
export function stateDifferences(original: unknown, copy: unknown, path = '$'): string[] {
  if (original === null || typeof original !== 'object') {
    return original === copy ? [] : [`${path}: ${JSON.stringify(original)} became ${JSON.stringify(copy)}`];
  }
  if (copy === null || typeof copy !== 'object') return [`${path}: ${JSON.stringify(original)} became ${JSON.stringify(copy)}`];
  if (Array.isArray(original)) {
    if (!Array.isArray(copy) || copy.length !== original.length) return [`${path}: array length ${original.length} became ${Array.isArray(copy) ? copy.length : typeof copy}`];
    return original.flatMap((v, i) => stateDifferences(v, copy[i], `${path}[${i}]`));
  }
  const o = original as Record<string, unknown>;
  const c = copy as Record<string, unknown>;
  return Object.keys(o).flatMap((k) => stateDifferences(o[k], c[k], `${path}.${k}`));
}
