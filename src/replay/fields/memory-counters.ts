import { walk, type Node } from '../filter/ast.js';

/**
 * The fields that read the memory and page-fault counters scheduler switches carry
 * (src/replay/fields/proc.ts): a state that keeps no counters
 * (HostStateOptions.memoryCounters off) is only right for conditions and outputs that use
 * none of them.
 */
export const MEMORY_COUNTER_FIELDS: ReadonlySet<string> = new Set([
  'proc.vmsize',
  'proc.vmrss',
  'proc.vmswap',
  'thread.pfmajor',
  'thread.pfminor',
  'thread.vmsize',
  'thread.vmrss',
  'thread.vmsize.b',
  'thread.vmrss.b',
]);

/** Whether a condition tree reads one of MEMORY_COUNTER_FIELDS (transformer arguments and val() included). */
export function readsMemoryCounters(condition: Node): boolean {
  let found = false;
  walk(condition, (n) => {
    if (n.kind === 'field' && MEMORY_COUNTER_FIELDS.has(n.name)) found = true;
    return !found;
  });
  return found;
}
