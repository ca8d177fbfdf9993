import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { PROJECT_ROOT } from '../helpers/shared.js';

export const FAKE_ENGINE = resolve(PROJECT_ROOT, 'test', 'testing', 'fake-engine.mjs');
/** The built worker entry (test/helpers/global-setup.ts builds dist/ before the tests). */
export const WORKER_URL = pathToFileURL(resolve(PROJECT_ROOT, 'dist', 'testing', 'worker.js'));

export interface FakeAlert {
  time: string;
  rule: string;
  priority: string;
  source?: string;
  tags?: string[];
  output?: string;
  fields?: Record<string, string | number | boolean | null>;
}

export function capture(alerts: FakeAlert[], events = 100): string {
  return JSON.stringify({ events, alerts });
}

export function rulesFile(...names: string[]): string {
  return names.map((n) => `- rule: ${n}\n  condition: evt.type = execve\n`).join('');
}

/** A temporary project directory with the given files; removed by the returned cleanup. */
export function project(files: Record<string, string>): { dir: string; path: (p: string) => string; write: (p: string, text: string) => void; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'falco-scap-test-'));
  const write = (p: string, text: string) => {
    const f = join(dir, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
  };
  for (const [p, t] of Object.entries(files)) write(p, t);
  return { dir, path: (p) => join(dir, p), write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** The standard alerts of the fixture capture. */
export const ALERTS: FakeAlert[] = [
  { time: '1700000000000000001', rule: 'Terminal shell in container', priority: 'Notice', tags: ['container', 'shell'], fields: { 'proc.name': 'bash', 'user.name': 'root', 'container.id': 'abcdef012345' } },
  { time: '1700000000000000002', rule: 'Read sensitive file untrusted', priority: 'Warning', tags: ['filesystem'], fields: { 'proc.name': 'cat', 'fd.name': '/etc/shadow', 'user.name': 'root' } },
  { time: '1700000000000000003', rule: 'Read sensitive file untrusted', priority: 'Warning', tags: ['filesystem'], fields: { 'proc.name': 'less', 'fd.name': '/etc/sudoers', 'user.name': 'bob' } },
  { time: '1700000000000000004', rule: 'Debug rule', priority: 'Debug', fields: { 'proc.pid': 42 } },
];

export const RULES = rulesFile('Terminal shell in container', 'Read sensitive file untrusted', 'Debug rule');
