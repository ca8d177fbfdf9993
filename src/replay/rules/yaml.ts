/**
 * YAML with positions for the rules and config readers: the shared parser
 * (src/yaml/positions.ts) with the failsafe schema, so every scalar stays the text
 * yaml-cpp would hand Falco, and nodes behave like yaml-cpp's YAML::Node for what the
 * readers need (IsDefined/IsNull/IsScalar/IsSequence/IsMap, `node[key]` = first entry
 * with that key, Mark of every node).
 */
import type { YNode } from '../../yaml/positions.js';

export {
  getKey,
  keyText,
  loadAllWithPositions,
  toPlain,
  YamlSyntaxError,
  type YMap,
  type YMapEntry,
  type YNode,
  type YNull,
  type YScalar,
  type YSeq,
} from '../../yaml/positions.js';

/** Scalar text of a key/value node, or undefined when it is not a scalar. */
export function scalarText(n: YNode | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (n.kind === 'scalar') return n.value;
  return undefined;
}
