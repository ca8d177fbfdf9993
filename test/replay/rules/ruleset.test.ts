import { describe, expect, it } from 'vitest';
import { load, rule } from './helpers.js';
import { eventCodesOf, defaultEventCodes, PPME_ASYNCEVENT_E } from '../../../src/replay/rules/evttypes.js';
import { parseCondition } from '../../../src/replay/filter/parser.js';
import { eventCodesByName, PPM_EVENT_MAX } from '../../../src/scap/event-table.js';
import { Ruleset } from '../../../src/replay/rules/ruleset.js';
import { matchesWildcard } from '../../../src/replay/rules/wildcard.js';

const codes = (c: string): number[] => eventCodesOf(parseCondition(c));
const named = (...names: string[]): number[] =>
  names.flatMap((n) => eventCodesByName(n).filter((x) => x >= 2 && x < PPM_EVENT_MAX)).sort((a, b) => a - b);

describe('event code sets (libsinsp ppm_event_codes)', () => {
  it('maps evt.type checks to codes', () => {
    expect(codes('evt.type = open')).toEqual(named('open'));
    expect(codes('evt.type in (open, openat)')).toEqual(named('open', 'openat'));
    expect(codes('syscall.type = execve')).toEqual(named('execve'));
    expect(codes('evt.type = open and proc.name = cat')).toEqual(named('open'));
    expect(codes('evt.type = open or evt.type = close')).toEqual(named('open', 'close'));
  });

  it('treats unrelated checks as all codes and handles negation', () => {
    expect(codes('proc.name = cat')).toHaveLength(PPM_EVENT_MAX);
    expect(codes('not proc.name = cat')).toHaveLength(PPM_EVENT_MAX);
    expect(codes('evt.type != open')).toHaveLength(PPM_EVENT_MAX - named('open').length);
    expect(codes('not evt.type = open')).toHaveLength(PPM_EVENT_MAX - named('open').length);
    expect(codes('not (evt.type = open or evt.type = close)')).toHaveLength(PPM_EVENT_MAX - named('open', 'close').length);
    expect(codes('not evt.type != open')).toEqual(named('open'));
    expect(codes('evt.type = open and not evt.type = open')).toEqual([]);
    expect(codes('evt.type exists')).toHaveLength(PPM_EVENT_MAX);
  });

  it('knows evt.num invariants', () => {
    expect(codes('evt.num = 0')).toEqual([]);
    expect(codes('evt.num < 1')).toEqual([]);
    expect(codes('evt.num > 0')).toHaveLength(PPM_EVENT_MAX);
    expect(codes('not evt.num = 0')).toHaveLength(PPM_EVENT_MAX);
  });

  it('maps syscall names without events to the generic events', () => {
    expect(defaultEventCodes.namesToCodes(['getpid'])).toEqual(new Set([0, 1]));
    expect(defaultEventCodes.namesToCodes(['nosuchthing'])).toEqual(new Set());
  });

  it('rejects field comparisons on evt.type', () => {
    expect(() => codes('evt.type = val(proc.name)')).toThrow(/not supported by event code search/);
  });
});

describe('ruleset', () => {
  const rules = `${rule('open_a', '  tags: [files]\n', 'evt.type = open')}
${rule('open_b', '  tags: [files, x]\n', 'evt.type in (open, close)').replace('priority: WARNING', 'priority: DEBUG')}
${rule('any', '  tags: [x]\n  warn_evttypes: false\n', 'proc.name = cat')}
${rule('off', '  enabled: false\n', 'evt.type = open')}
`;

  it('enables rules by their enabled flag, filtered by minimum priority', () => {
    const { L, res } = load(rules);
    expect(res.successful).toBe(true);
    const rs = L.buildRuleset();
    expect(rs.enabledRules().map((r) => r.name)).toEqual(['open_a', 'open_b', 'any']);
    const warn = L.buildRuleset(4);
    expect(warn.rules.map((e) => e.rule.name)).toEqual(['open_a', 'any', 'off']);
  });

  it('indexes by event code and runs indexed rules first', () => {
    const { L } = load(rules);
    const rs = L.buildRuleset();
    const open = eventCodesByName('open')[0]!;
    const close = eventCodesByName('close')[0]!;
    // a rule without evt.type restriction is indexed under every code (never "unindexed")
    expect(rs.candidates(open).map((r) => r.name)).toEqual(['open_a', 'open_b', 'any']);
    expect(rs.candidates(close).map((r) => r.name)).toEqual(['open_b', 'any']);
    expect(rs.candidates(PPME_ASYNCEVENT_E).map((r) => r.name)).toEqual(['open_a', 'open_b', 'any']);
    expect(rs.run(open, () => true).map((r) => r.name)).toEqual(['open_a']);
    expect(rs.run(open, () => true, true).map((r) => r.name)).toEqual(['open_a', 'open_b', 'any']);
    expect(rs.run(open, (r) => r.name === 'nope', true)).toEqual([]);
    expect(rs.enabledEventCodes()).toContain(PPME_ASYNCEVENT_E);
  });

  it('enables and disables by name pattern and tag, in order', () => {
    const { L } = load(rules);
    const rs = Ruleset.fromCompileOutput(L.output!, 7);
    expect(rs.enabledCount()).toBe(0);
    rs.enable('open_*', 'wildcard');
    expect(rs.enabledRules().map((r) => r.name)).toEqual(['open_a', 'open_b']);
    rs.disableTags(['x']);
    expect(rs.enabledRules().map((r) => r.name)).toEqual(['open_a']);
    rs.enableTags(['x']);
    rs.disable('open_a', 'exact');
    expect(rs.enabledRules().map((r) => r.name)).toEqual(['open_b', 'any']);
    rs.enable('f', 'substring');
    expect(rs.enabledRules().map((r) => r.name)).toEqual(['open_b', 'any', 'off']);
    rs.disable('', 'exact');
    expect(rs.enabledCount()).toBe(0);
    rs.enable('*', 'wildcard', 3);
    expect(rs.enabledCount(3)).toBe(4);
    expect(rs.enabledCount()).toBe(0);
  });

  it('matches wildcards like Falco (greedy, no backtracking)', () => {
    expect(matchesWildcard('*', 'anything')).toBe(true);
    expect(matchesWildcard('Write below*', 'Write below etc')).toBe(true);
    expect(matchesWildcard('*below*', 'Write below etc')).toBe(true);
    expect(matchesWildcard('*.yaml', 'a.yaml')).toBe(true);
    expect(matchesWildcard('*.yaml', 'a.yaml.yaml')).toBe(false);
    expect(matchesWildcard('a*c', 'abc')).toBe(true);
    expect(matchesWildcard('a*c', 'abd')).toBe(false);
    expect(matchesWildcard('abc', 'abc')).toBe(true);
  });
});
