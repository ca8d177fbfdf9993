/**
 * Falco's falco::utils::matches_wildcard: `*` matches any run of characters, matched
 * greedily left to right without backtracking (so "*.yaml" does not match
 * "a.yaml.yaml"); there is no other special character.
 */
export function matchesWildcard(pattern: string, s: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === s;
  if (star === 0) {
    let next = 0;
    while (next < pattern.length && pattern[next] === '*') next++;
    if (next >= pattern.length) return true;
    const rest = pattern.slice(next);
    const nextStar = rest.indexOf('*');
    const toFind = nextStar < 0 ? rest : rest.slice(0, nextStar);
    const lit = s.indexOf(toFind);
    if (lit < 0) return false;
    return matchesWildcard(rest.slice(toFind.length), s.slice(lit + toFind.length));
  }
  if (pattern.slice(0, star) !== s.slice(0, star)) return false;
  return matchesWildcard(pattern.slice(star), s.slice(star));
}
