import type { Expr, Node } from '../../../src/replay/filter/ast.js';
import { walk } from '../../../src/replay/filter/ast.js';
import { RulesLoader } from '../../../src/replay/rules/loader.js';
import type { LoadResult } from '../../../src/replay/rules/result.js';
import { SourceCompileError, type RuleSource } from '../../../src/replay/rules/source.js';

/** Fields the fake source knows. */
export const KNOWN_FIELDS = new Set([
  'evt.type',
  'evt.dir',
  'evt.num',
  'evt.latency',
  'evt.arg',
  'proc.name',
  'proc.pname',
  'proc.cmdline',
  'proc.aname',
  'proc.exepath',
  'fd.name',
  'fd.directory',
  'fd.num',
  'user.name',
  'container.id',
  'ka.user.name',
]);

function fieldKnown(name: string): boolean {
  if (KNOWN_FIELDS.has(name)) return true;
  return name.startsWith('evt.arg.');
}

/** A source that checks field names only (the real field registry is another module's job). */
export function fakeSource(name = 'syscall'): RuleSource<Expr> {
  return {
    name,
    isValidLhsField: (f) => fieldKnown(f),
    compileCondition(ast) {
      walk(ast as Node, (n) => {
        if (n.kind === 'field' && !fieldKnown(n.name)) {
          throw new SourceCompileError(`filter_check called with nonexistent field ${n.name}`, n.pos);
        }
      });
      return { filter: ast, warnings: [] };
    },
    checkOutput(fmt) {
      if (fmt === '') return 'empty formatting token';
      for (const m of fmt.matchAll(/%([a-z0-9_.]+[a-z0-9_])/gi)) {
        if (!fieldKnown(m[1]!)) return `unknown filter: invalid formatting token ${m[1]}`;
      }
      return undefined;
    },
  };
}

export function loader(sources: RuleSource<Expr>[] = [fakeSource()]): RulesLoader<Expr> {
  return new RulesLoader<Expr>({ sources });
}

/** Load contents in order into one loader; returns the loader and the last result. */
export function load(...contents: string[]): { L: RulesLoader<Expr>; res: LoadResult; all: LoadResult[] } {
  const L = loader();
  const all = contents.map((c, i) => L.load(c, `rules${i}.yaml`));
  return { L, res: all[all.length - 1]!, all };
}

export function errorOf(res: LoadResult): string {
  return res.errors.map((e) => `${e.code}: ${e.message}`).join('\n');
}

export function warningCodes(res: LoadResult): string[] {
  return res.warnings.map((w) => w.code);
}

/** A minimal valid rule as YAML text. */
export function rule(name: string, extra = '', cond = 'evt.type = open and proc.name = cat'): string {
  return `- rule: ${name}
  desc: d
  condition: ${cond}
  output: "%proc.name"
  priority: WARNING
${extra}`;
}
