/**
 * The output-format check's fast path (one prefix parse, no exceptions) must accept and
 * reject exactly what the candidate search accepts and rejects, with the same error text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFieldOrTransformerPrefix } from '../../../src/replay/filter/parser.js';
import { syscallFieldRegistry } from '../../../src/replay/fields/registry.js';
import { checkOutputFormat, outputTokenCheckers } from '../../../src/replay/rules/filter-source.js';
import { SHARED_RULES, skipNote } from '../../helpers/shared.js';

const { compileToken, compilePrefix } = outputTokenCheckers(syscallFieldRegistry());
const slow = (f: string) => checkOutputFormat(f, compileToken);
const fast = (f: string) => checkOutputFormat(f, compileToken, compilePrefix);

const FORMATS = [
  '%proc.name',
  'user=%user.name cmd=%proc.cmdline',
  '%evt.time %proc.aname[2] %proc.aname %evt.arg.flags %evt.arg[0]',
  '%tolower(proc.name) %basename(fd.name)x',
  '%proc.name)',
  '%proc.name.',
  '%proc.name%user.name',
  '%12proc.name|',
  '%fd.name[',
  '%proc.nope x',
  '%tolower(proc.nope)',
  '%tolower(proc.name',
  '% proc.name',
  '%%',
  '%',
  '%1',
  '*%evt.num %container.id',
  '%evt.arg["flags"] %proc.aname[x]',
  '',
];

describe('output format check fast path', () => {
  it('prefix parse stops at the end of the operand', () => {
    expect(parseFieldOrTransformerPrefix('proc.name user=%user.name')).toMatchObject({ end: 9, node: { kind: 'field', name: 'proc.name' } });
    expect(parseFieldOrTransformerPrefix('proc.aname[2]) rest')).toMatchObject({ end: 13, node: { arg: '2' } });
    expect(parseFieldOrTransformerPrefix('tolower(proc.name) x')).toMatchObject({ end: 18, node: { kind: 'transformer' } });
    expect(parseFieldOrTransformerPrefix(' proc.name')).toBeUndefined();
    expect(parseFieldOrTransformerPrefix('%x')).toBeUndefined();
  });

  it('returns the same verdict as the candidate search on edge cases', () => {
    for (const f of FORMATS) expect({ f, r: fast(f) }).toEqual({ f, r: slow(f) });
    expect(fast('%proc.nope x')).toMatch(/^unknown filter: /);
    expect(fast('%proc.name x %user.name')).toBeUndefined();
  });

  const stable = join(SHARED_RULES, 'falco_rules.yaml');
  const present = existsSync(stable);
  if (!present) skipNote('output fast path on official rules', stable);
  it.skipIf(!present)('returns the same verdict on every output of the official stable rules', () => {
    const outputs = [...readFileSync(stable, 'utf8').matchAll(/^ {2}output: (.*)$/gm)].map((m) => m[1]!);
    expect(outputs.length).toBeGreaterThan(20);
    for (const f of outputs) expect({ f, r: fast(f) }).toEqual({ f, r: slow(f) });
    expect(outputs.every((f) => fast(f) === undefined)).toBe(true);
  });
});
