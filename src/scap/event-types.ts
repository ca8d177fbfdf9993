import { InputError } from '../errors.js';
import { PPM_EVENT_MAX, eventCodesByName } from './event-table.js';

/**
 * Parses a comma-separated list of event type names (every version and direction of each)
 * or numeric PPME codes.
 */
export function parseEventTypeList(text: string, flag: string): Set<number> {
  const codes = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (/^\d+$/.test(item)) {
      const n = Number(item);
      if (n >= PPM_EVENT_MAX) throw new InputError(`${flag}: event code ${n} is outside the event table (0-${PPM_EVENT_MAX - 1})`);
      codes.add(n);
      continue;
    }
    const found = eventCodesByName(item);
    if (found.length === 0) throw new InputError(`${flag}: unknown event type '${item}' (see 'falco-scap list events')`);
    for (const c of found) codes.add(c);
  }
  if (codes.size === 0) throw new InputError(`${flag}: no event types given`);
  return codes;
}
