import { closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecs, type TestCase } from '../../src/testing/spec.js';
import { CASES_PER_WORKER, WORKER_CAPTURE_BYTES, workersFor } from '../../src/testing/workers-for.js';
import { project, rulesFile } from './helpers.js';

const p = project({ 'rules/r.yaml': rulesFile('Debug rule'), 'cap/small.scap': 'x'.repeat(1000) });
afterAll(() => p.cleanup());

/** A sparse file of `size` bytes that starts with `head`. */
function sparse(name: string, size: number, head: number[] = []): string {
  const path = p.path(name);
  const fd = openSync(path, 'w');
  try {
    if (head.length) writeSync(fd, Buffer.from(head));
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return name;
}

let specs = 0;
function suite(captures: readonly string[], skipped = 0): TestCase[] {
  const name = `s${specs++}.test.yaml`;
  const lines = ['defaults:', '  rules: rules/r.yaml', 'cases:'];
  captures.forEach((c, i) => lines.push(`  - name: case ${i}`, `    captures: ${c}`, `    expect: { total: 0 }`, ...(i < skipped ? ['    skip: not today'] : [])));
  p.write(name, `${lines.join('\n')}\n`);
  const loaded = loadSpecs([p.path(name)], p.dir);
  expect(loaded.errors).toEqual([]);
  return loaded.cases;
}

describe('how many workers a run starts (workersFor)', () => {
  it('one for a short suite of small captures, whatever --jobs allows', () => {
    expect(workersFor(suite(Array(10).fill('cap/small.scap')), 8)).toBe(1);
    expect(workersFor(suite(Array(CASES_PER_WORKER - 1).fill('cap/small.scap')), 2)).toBe(1);
  });

  it('one more for every CASES_PER_WORKER runnable cases, at most --jobs', () => {
    const many = Array(2 * CASES_PER_WORKER).fill('cap/small.scap');
    expect(workersFor(suite(many), 8)).toBe(3);
    expect(workersFor(suite(many), 2)).toBe(2);
    expect(workersFor(suite(many), 1)).toBe(1);
    // Skipped cases do not count.
    expect(workersFor(suite(Array(CASES_PER_WORKER).fill('cap/small.scap'), 1), 8)).toBe(1);
  });

  it('one for every WORKER_CAPTURE_BYTES of capture, compressed captures counted inflated, at most one per case', () => {
    const raw = sparse('cap/raw.scap', WORKER_CAPTURE_BYTES - 1);
    expect(workersFor(suite([raw]), 8)).toBe(1);
    expect(workersFor(suite([raw, raw, raw]), 8)).toBe(3);
    expect(workersFor(suite([raw, raw, raw]), 2)).toBe(2);
    // A gzip capture a quarter of that size inflates to more than it.
    const gz = sparse('cap/packed.scap.gz', WORKER_CAPTURE_BYTES / 4, [0x1f, 0x8b, 8, 0]);
    expect(workersFor(suite([gz, gz]), 8)).toBe(2);
    const zst = sparse('cap/packed.scap.zst', WORKER_CAPTURE_BYTES / 4, [0x28, 0xb5, 0x2f, 0xfd]);
    expect(workersFor(suite([zst, zst]), 8)).toBe(2);
    // A quarter of it uncompressed is not enough for a second worker.
    const quarter = sparse('cap/quarter.scap', WORKER_CAPTURE_BYTES / 4);
    expect(workersFor(suite([quarter, quarter]), 8)).toBe(1);
  });

  it('counts a capture gone since the spec was read as nothing (its case fails at once)', () => {
    const big = sparse('cap/gone.scap', 3 * WORKER_CAPTURE_BYTES);
    const cases = suite([big, big]);
    rmSync(p.path(big));
    expect(workersFor(cases, 8)).toBe(1);
  });
});
