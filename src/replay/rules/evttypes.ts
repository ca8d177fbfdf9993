/**
 * The set of event codes a condition can be true for (libsinsp's
 * libsinsp::filter::ast::ppm_event_codes): `and` intersects, `or` unites, negations are
 * pushed down to the leaves (De Morgan), checks on `evt.type`/`syscall.type` with `=`,
 * `==`, `!=`, `in` give explicit sets, `evt.num` invariants give empty/all sets, every
 * other check is neutral (all codes).
 */
import type { BinaryCheck, Expr, Node } from '../filter/ast.js';
import { EVENT_TABLE, PPM_EVENT_MAX, eventCodesByName } from '../../scap/event-table.js';
import { PPM_SC_NAMES } from '../../scap/names.js';

export const PPME_GENERIC_E = 0;
export const PPME_GENERIC_X = 1;
export const PPME_PLUGINEVENT_E = 322;
export const PPME_ASYNCEVENT_E = 402;

/** Maps event names to codes and knows the universe of codes. */
export interface EventCodeResolver {
  /** Every code (libsinsp all_event_set: 0 .. PPM_EVENT_MAX-1). */
  allCodes(): ReadonlySet<number>;
  /** libsinsp names_to_event_set. */
  namesToCodes(names: Iterable<string>): Set<number>;
}

let allCodesCache: Set<number> | undefined;
const SC_NAMES = new Set(PPM_SC_NAMES);

/** The resolver over this project's event table (src/scap/event-table.ts). */
export const defaultEventCodes: EventCodeResolver = {
  allCodes(): ReadonlySet<number> {
    allCodesCache ??= new Set(Array.from({ length: PPM_EVENT_MAX }, (_, i) => i));
    return allCodesCache;
  },
  namesToCodes(names: Iterable<string>): Set<number> {
    const out = new Set<number>();
    const remaining = new Set<string>();
    for (const n of names) {
      // codes 0 and 1 (generic syscall events, named "syscall") are never matched by name
      const codes = eventCodesByName(n).filter((c) => c >= 2 && c < PPM_EVENT_MAX && EVENT_TABLE[c] !== undefined);
      if (codes.length > 0) for (const c of codes) out.add(c);
      else remaining.add(n);
    }
    for (const n of remaining) {
      if (SC_NAMES.has(n)) {
        out.add(PPME_GENERIC_E);
        out.add(PPME_GENERIC_X);
        break;
      }
    }
    return out;
  },
};

type Invariant = 'empty' | 'all' | 'unknown';

function parseU64(v: string): bigint | undefined {
  // sinsp_numparser::tryparseu64: decimal digits only (strtoull-like with full consumption)
  if (!/^[0-9]+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n <= 0xffffffffffffffffn ? n : undefined;
}

function evtNumInvariant(e: BinaryCheck): Invariant {
  if (e.left.kind !== 'field' || e.left.name !== 'evt.num' || e.left.arg !== undefined) return 'unknown';
  if (e.op === 'in') {
    if (e.right.kind !== 'list') return 'unknown';
    if (e.right.items.length === 0) return 'empty';
    for (const it of e.right.items) {
      const n = parseU64(it.value);
      if (n === undefined || n !== 0n) return 'unknown';
    }
    return 'empty';
  }
  if (e.right.kind !== 'value') return 'unknown';
  const n = parseU64(e.right.value);
  if (n === undefined) return 'unknown';
  switch (e.op) {
    case '=':
    case '==':
      return n === 0n ? 'empty' : 'unknown';
    case '!=':
      return n === 0n ? 'all' : 'unknown';
    case '<':
      return n <= 1n ? 'empty' : 'unknown';
    case '<=':
      return n === 0n ? 'empty' : 'unknown';
    case '>':
      return n === 0n ? 'all' : 'unknown';
    case '>=':
      return n <= 1n ? 'all' : 'unknown';
    default:
      return 'unknown';
  }
}

/** Thrown for conditions libsinsp's event-code search rejects. */
export class EventCodeSearchError extends Error {}

/** What visiting an `and`/`or`/`not` subtree leaves behind (see CodeVisitor.visit). */
interface SubtreeOutcome {
  readonly codes: Set<number>;
  readonly hasCodes: boolean;
  readonly isFieldOrTransformer: boolean;
}

/**
 * Outcomes of `and`/`or`/`not` subtrees by node, per resolver, as [outside, inside] a
 * negation. Rules share their macros' trees (macro substitution inserts the macro's node
 * itself, and trees are never mutated), so a macro used by many rules is searched once.
 * Such a subtree's outcome depends only on the node and on the negation flag: each of its
 * children sets the visitor state it reads before reading it. The code sets are never
 * mutated once computed (every operation below builds a new set), so sharing them is safe.
 */
const subtreeMemo = new WeakMap<EventCodeResolver, WeakMap<Node, [SubtreeOutcome?, SubtreeOutcome?]>>();

class CodeVisitor {
  lastIsEvttypeField = false;
  lastIsFieldOrTransformer = true;
  insideNegation = false;
  lastHasCodes = false;
  lastCodes: Set<number> = new Set();
  private readonly memo: WeakMap<Node, [SubtreeOutcome?, SubtreeOutcome?]>;

  constructor(private readonly r: EventCodeResolver) {
    let m = subtreeMemo.get(r);
    if (m === undefined) {
      m = new WeakMap();
      subtreeMemo.set(r, m);
    }
    this.memo = m;
  }

  /** visitNode, through the memo for `and`/`or`/`not` subtrees. */
  visit(n: Node): void {
    if (n.kind !== 'and' && n.kind !== 'or' && n.kind !== 'not') {
      this.visitNode(n);
      return;
    }
    const slot = this.insideNegation ? 1 : 0;
    let entry = this.memo.get(n);
    const hit = entry?.[slot];
    if (hit !== undefined) {
      this.lastCodes = hit.codes;
      this.lastHasCodes = hit.hasCodes;
      this.lastIsFieldOrTransformer = hit.isFieldOrTransformer;
      this.lastIsEvttypeField = false;
      return;
    }
    this.visitNode(n);
    if (entry === undefined) {
      entry = [undefined, undefined];
      this.memo.set(n, entry);
    }
    entry[slot] = { codes: this.lastCodes, hasCodes: this.lastHasCodes, isFieldOrTransformer: this.lastIsFieldOrTransformer };
  }

  /** The resolver's shared set of every code; never mutated (every set operation below builds a new set). */
  private all(): Set<number> {
    return this.r.allCodes() as Set<number>;
  }
  private inversion(types: Set<number>): Set<number> {
    if (!this.lastHasCodes) return types;
    // the shared set of every code stands for "all" (never mutated): no copy to build
    if (types.size === 0) return this.all();
    if (types === this.all()) return new Set();
    const out = new Set<number>();
    for (const c of this.r.allCodes()) if (!types.has(c)) out.add(c);
    return out;
  }
  private tryInversion(types: Set<number>): Set<number> {
    return this.insideNegation ? this.inversion(types) : types;
  }
  private conjunction(children: readonly Expr[]): void {
    const all = this.all();
    let types = all;
    for (const c of children) {
      this.visit(c);
      const lc = this.lastCodes;
      if (lc === all) continue; // types is a subset of all: the intersection is types itself
      const next = new Set<number>();
      if (types === all) {
        for (const t of lc) if (all.has(t)) next.add(t);
      } else {
        for (const t of types) if (lc.has(t)) next.add(t);
      }
      types = next;
    }
    this.lastCodes = types;
    this.lastIsEvttypeField = false;
  }
  private disjunction(children: readonly Expr[]): void {
    const all = this.all();
    let hasAll = false;
    const types = new Set<number>();
    for (const c of children) {
      this.visit(c);
      // a child with every code makes the union every code: no need to copy its hundreds
      if (this.lastCodes === all) hasAll = true;
      else for (const t of this.lastCodes) types.add(t);
    }
    let union = types;
    if (hasAll) {
      let inside = true;
      for (const t of types) if (!all.has(t)) inside = false;
      union = inside ? all : new Set([...all, ...types]);
    }
    this.lastCodes = union;
    this.lastIsEvttypeField = false;
  }

  private visitNode(n: Node): void {
    switch (n.kind) {
      case 'and':
        if (this.insideNegation) this.disjunction(n.children);
        else this.conjunction(n.children);
        return;
      case 'or':
        if (this.insideNegation) this.conjunction(n.children);
        else this.disjunction(n.children);
        return;
      case 'not': {
        this.lastCodes = new Set();
        const inside = this.insideNegation;
        this.insideNegation = !inside;
        this.visit(n.child);
        this.insideNegation = inside;
        this.lastIsEvttypeField = false;
        return;
      }
      case 'binary': {
        this.lastHasCodes = false;
        const inv = evtNumInvariant(n);
        if (inv !== 'unknown') {
          this.lastCodes = inv === 'empty' ? new Set() : this.all();
          this.lastHasCodes = true;
          this.lastIsEvttypeField = false;
          this.lastCodes = this.tryInversion(this.lastCodes);
          return;
        }
        if (n.op === '==' || n.op === '=' || n.op === '!=' || n.op === 'in') {
          this.visit(n.left);
          if (this.lastIsEvttypeField) {
            this.lastIsFieldOrTransformer = false;
            this.visit(n.right);
            if (this.lastIsFieldOrTransformer) {
              throw new EventCodeSearchError(
                'right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search',
              );
            }
            if (n.op === '!=') this.lastCodes = this.inversion(this.lastCodes);
            this.lastIsEvttypeField = false;
            return;
          }
        }
        this.lastCodes = this.tryInversion(this.all());
        this.lastIsEvttypeField = false;
        return;
      }
      case 'unary':
        this.visit(n.left);
        this.lastHasCodes = this.lastIsEvttypeField && n.op === 'exists';
        this.lastIsEvttypeField = false;
        this.lastCodes = this.tryInversion(this.all());
        return;
      case 'identifier':
        // an unresolved macro, or a list name on the right-hand side
        this.lastHasCodes = false;
        this.lastIsEvttypeField = false;
        this.lastCodes = this.tryInversion(this.all());
        return;
      case 'value':
        this.lastHasCodes = true;
        this.lastCodes = this.tryInversion(this.r.namesToCodes([n.value]));
        this.lastIsEvttypeField = false;
        return;
      case 'list':
        this.lastHasCodes = true;
        this.lastCodes = this.tryInversion(this.r.namesToCodes(n.items.map((i) => i.value)));
        this.lastIsEvttypeField = false;
        return;
      case 'transformer-list':
        for (const c of n.items) this.visit(c);
        return;
      case 'field':
        this.lastHasCodes = false;
        this.lastIsFieldOrTransformer = true;
        this.lastIsEvttypeField = (n.name === 'evt.type' || n.name === 'syscall.type') && n.arg === undefined;
        this.lastCodes = this.tryInversion(this.all());
        return;
      case 'transformer':
        for (const a of n.args) {
          this.visit(a);
          if (this.lastIsEvttypeField) {
            throw new EventCodeSearchError('event code search does not support `evt.type` checks with transformers');
          }
        }
        this.lastIsFieldOrTransformer = true;
        return;
      case 'list-item':
        return;
    }
  }
}

/** Event codes for which the condition can be true (sorted ascending). */
export function eventCodesOf(ast: Expr, resolver: EventCodeResolver = defaultEventCodes): number[] {
  const v = new CodeVisitor(resolver);
  v.visit(ast);
  return [...v.lastCodes].sort((a, b) => a - b);
}
