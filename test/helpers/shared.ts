import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, '..', '..');
/** `../shared` beside the checkout: public test data that is never committed here. */
export const SHARED_DIR = resolve(PROJECT_ROOT, '..', 'shared');
export const SHARED_CAPTURES = join(SHARED_DIR, 'captures');
export const SHARED_RULES = join(SHARED_DIR, 'rules', 'falcosecurity');

export const hasShared = existsSync(SHARED_CAPTURES);

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasSysdig = hasCommand('sysdig');
export const hasTshark = hasCommand('tshark');
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Every shared capture, relative name and absolute path. Empty when ../shared is absent. */
export function sharedCaptures(): { name: string; path: string }[] {
  if (!hasShared) return [];
  const out: { name: string; path: string }[] = [];
  for (const dir of readdirSync(SHARED_CAPTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(SHARED_CAPTURES, dir.name))) {
      if (f.endsWith('.scap')) out.push({ name: `${dir.name}/${f}`, path: join(SHARED_CAPTURES, dir.name, f) });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Prints why a group of tests is skipped, so a skip is never silent. */
export function skipNote(what: string, missing: string): void {
  console.warn(`[skip] ${what}: ${missing} not available`);
}
