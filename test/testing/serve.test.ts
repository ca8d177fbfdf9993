import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpecs, type TestCase } from '../../src/testing/spec.js';
import { serveCases, workerInit } from '../../src/testing/serve.js';
import type { WorkerInit, WorkerReply } from '../../src/testing/protocol.js';
import type { TestEngine } from '../../src/testing/types.js';
import { capture, project, rulesFile } from './helpers.js';

const fake = (await import('./fake-engine.mjs')) as Required<TestEngine>;

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function cases(n: number): readonly TestCase[] {
  const p = project({ 'r.yaml': rulesFile('Debug rule'), 'a.scap': capture([{ time: '1', rule: 'Debug rule', priority: 'Warning' }]) });
  cleanup = p.cleanup;
  const body = Array.from({ length: n }, (_, i) => `  - name: c${i}\n    expect: { rules: { Debug rule: 1 } }\n`).join('');
  // Each replay takes 30 ms, so every case has arrived before the first is done.
  p.write('s.test.yaml', `defaults:\n  rules: r.yaml\n  captures: a.scap\n  overrides: [fake.delay_ms=30]\ncases:\n${body}`);
  const l = loadSpecs([p.path('s.test.yaml')], p.dir);
  expect(l.errors).toEqual([]);
  return l.cases;
}

const INIT: WorkerInit = { engineModule: 'fake:engine', update: false, cwd: process.cwd() };

/** Serves `cs` over a channel, all sent at once; the order of events the test sees. */
async function serve(cs: readonly TestCase[], whenIdle: () => void, events: string[]): Promise<WorkerReply[]> {
  const { port1, port2 } = new MessageChannel();
  serveCases(port2, INIT, () => Promise.resolve(fake), { whenIdle });
  const replies: WorkerReply[] = [];
  const done = new Promise<void>((resolve) =>
    port1.on('message', (m: WorkerReply) => {
      events.push(`verdict ${m.id}`);
      replies.push(m);
      if (replies.length === cs.length) resolve();
    }),
  );
  cs.forEach((c, i) => port1.postMessage({ id: i + 1, case: c }));
  await done;
  port1.close();
  return replies;
}

describe('serveCases (the case loop of a worker thread)', () => {
  it('calls whenIdle once, when no case is left, before that case’s verdict goes out', async () => {
    const events: string[] = [];
    const replies = await serve(cases(3), () => events.push('idle'), events);
    expect(replies.map((r) => r.verdict.status)).toEqual(['pass', 'pass', 'pass']);
    expect(events).toEqual(['verdict 1', 'verdict 2', 'idle', 'verdict 3']);
  });

  it('a hook that throws changes no verdict', async () => {
    const events: string[] = [];
    const replies = await serve(
      cases(2),
      () => {
        events.push('idle');
        throw new Error('disk full');
      },
      events,
    );
    expect(replies.map((r) => r.verdict.status)).toEqual(['pass', 'pass']);
    expect(events).toEqual(['verdict 1', 'idle', 'verdict 2']);
  });

  it('workerInit accepts only an init naming an engine module', () => {
    expect(workerInit(INIT)).toBe(INIT);
    for (const bad of [null, undefined, 'x', {}, { engineModule: 3 }]) expect(workerInit(bad)).toBeUndefined();
  });
});
