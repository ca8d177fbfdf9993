/**
 * A small file glob for spec paths (Node 20 has no fs.glob): `*`, `?`, `[abc]`/`[!a-z]`
 * within one path segment, `**` for any number of directories, `{a,b}` alternatives.
 * Dot files match only when the pattern segment starts with a dot. Results are sorted.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

export function hasMagic(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** `a{b,c}d` → `abd`, `acd` (nested braces allowed). */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const body = pattern.slice(open + 1, i);
        const parts: string[] = [];
        let d = 0;
        let last = 0;
        for (let j = 0; j < body.length; j++) {
          const b = body[j];
          if (b === '\\') j++;
          else if (b === '{') d++;
          else if (b === '}') d--;
          else if (b === ',' && d === 0) {
            parts.push(body.slice(last, j));
            last = j + 1;
          }
        }
        parts.push(body.slice(last));
        if (parts.length < 2) continue;
        const pre = pattern.slice(0, open);
        const post = pattern.slice(i + 1);
        return parts.flatMap((p) => expandBraces(pre + p + post));
      }
    }
  }
  return [pattern];
}

/** One path segment pattern → anchored RegExp. */
export function segmentRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      re += escapeRe(seg[++i]!);
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, end);
      const neg = body.startsWith('!') || body.startsWith('^');
      if (neg) body = body.slice(1);
      re += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function walk(base: string, segs: string[], out: Set<string>): void {
  if (segs.length === 0) {
    if (exists(base)) out.add(base);
    return;
  }
  const [seg, ...rest] = segs as [string, ...string[]];
  if (seg === '**') {
    walk(base, rest, out);
    for (const name of list(base)) {
      if (name.startsWith('.')) continue;
      const p = join(base, name);
      if (isDir(p)) walk(p, segs, out);
    }
    return;
  }
  if (!hasMagic(seg)) {
    walk(join(base, seg.replace(/\\(.)/g, '$1')), rest, out);
    return;
  }
  const re = segmentRegExp(seg);
  for (const name of list(base).sort()) {
    if (name.startsWith('.') && !seg.startsWith('.')) continue;
    if (!re.test(name)) continue;
    const p = join(base, name);
    if (rest.length > 0 && !isDir(p)) continue;
    walk(p, rest, out);
  }
}

/**
 * Files (and directories) matching `pattern`, relative patterns resolved against `cwd`.
 * A pattern without magic characters is returned as-is when it exists.
 */
export function glob(pattern: string, cwd: string): string[] {
  const out = new Set<string>();
  for (const p of expandBraces(pattern)) {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    if (!hasMagic(p)) {
      if (exists(abs)) out.add(abs);
      continue;
    }
    const root = isAbsolute(p) ? (p.match(/^([A-Za-z]:)?[\\/]/)?.[0] ?? sep) : cwd;
    const body = isAbsolute(p) ? p.slice(root.length) : p;
    walk(root, body.split(/[\\/]+/).filter((s) => s !== '' && s !== '.'), out);
  }
  return [...out].sort();
}
