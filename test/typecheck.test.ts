import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from './helpers/shared.js';

describe('TypeScript', () => {
  it('the whole tree type-checks under strict settings', () => {
    const res = spawnSync(process.execPath, [resolve(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', PROJECT_ROOT], {
      encoding: 'utf8',
    });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  }, 120_000);
});
