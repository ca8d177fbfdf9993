import { describe, expect, it } from 'vitest';
import { compileInWorkers } from '../../src/testing/compile-threads.js';

describe('where test workers compile optimized code', () => {
  it('on their own thread when every core runs a worker, on V8 background threads when a core is spare', () => {
    expect(compileInWorkers(2, 2, [])).toBe(true);
    expect(compileInWorkers(8, 2, [])).toBe(true);
    expect(compileInWorkers(1, 1, [])).toBe(true);
    expect(compileInWorkers(1, 2, [])).toBe(false);
    expect(compileInWorkers(3, 4, [])).toBe(false);
  });

  it("leaves Node's compile threading alone when the user chose it", () => {
    for (const flag of ['--single-threaded', '--concurrent-recompilation', '--no-concurrent-recompilation', '--no_concurrent_recompilation']) {
      expect(compileInWorkers(2, 2, [flag]), flag).toBe(false);
    }
    // Flags that only share a prefix are not that choice.
    expect(compileInWorkers(2, 2, ['--single-threaded-gc', '--max-old-space-size=100'])).toBe(true);
  });
});
