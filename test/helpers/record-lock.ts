/**
 * One recording test file at a time. vitest runs test files in parallel, and two files
 * that record (the whole host for 10 s under a dd load in record.test.ts; per-CPU rings a
 * blocked writer must not overflow in batch.test.ts) see each other's events and share
 * the cores their real-time drain threads run on: one full-suite run in four dropped
 * events that way. A directory made with mkdir (atomic) is the lock; it names its holder's
 * pid, so a lock left by a killed run is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'falco-scap-recording-tests.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists (another user's); anything else: no holder to wait for.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until no other test file records, then holds the lock; returns its release. */
export async function holdRecordingLock(timeoutMs = 300_000): Promise<() => void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // A holder that died, or one still writing its pid: look twice before taking over.
    if (!holderAlive()) {
      await new Promise((r) => setTimeout(r, 200));
      if (!holderAlive()) rmSync(LOCK, { recursive: true, force: true });
    }
    if (Date.now() > until) throw new Error(`another recording test held ${LOCK} for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
