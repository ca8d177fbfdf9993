/** libscap block type codes (wire-format facts). `_INT` codes are pre-release aliases still found in old files. */
export const BlockType = {
  SHB: 0x0a0d0d0a,
  MI: 0x201,
  MI_INT: 0x8002abcd,
  PL_V1: 0x202,
  PL_V1_INT: 0x8000abcd,
  PL_V2: 0x207,
  PL_V2_INT: 0x8013abcd,
  PL_V3: 0x209,
  PL_V3_INT: 0x8014abcd,
  PL_V4: 0x210,
  PL_V5: 0x211,
  PL_V6: 0x212,
  PL_V7: 0x213,
  PL_V8: 0x214,
  PL_V9: 0x215,
  FDL: 0x203,
  FDL_INT: 0x8001abcd,
  FDL_V2: 0x218,
  EV: 0x204,
  EV_INT: 0x8010abcd,
  EV_V2: 0x216,
  EV_V2_LARGE: 0x221,
  IL: 0x205,
  IL_INT: 0x8011abcd,
  IL_V2: 0x219,
  UL: 0x206,
  UL_INT: 0x8012abcd,
  UL_V2: 0x220,
  EVF: 0x208,
  EVF_V2: 0x217,
  EVF_V2_LARGE: 0x222,
} as const;

const NAMES: Map<number, string> = new Map(Object.entries(BlockType).map(([k, v]) => [v, k]));

export function blockTypeName(type: number): string {
  return NAMES.get(type) ?? `unknown(0x${type.toString(16)})`;
}

export type EventBlockLayout = {
  readonly type: number;
  /** Event header has the 4-byte nparams field (V2 and later). */
  readonly v2: boolean;
  /** Parameter lengths are 4 bytes instead of 2. */
  readonly large: boolean;
  /** Block carries 32 bits of flags after the CPU id. */
  readonly hasFlags: boolean;
};

const EVENT_LAYOUTS: Map<number, EventBlockLayout> = new Map([
  [BlockType.EV, { type: BlockType.EV, v2: false, large: false, hasFlags: false }],
  [BlockType.EV_INT, { type: BlockType.EV_INT, v2: false, large: false, hasFlags: false }],
  [BlockType.EV_V2, { type: BlockType.EV_V2, v2: true, large: false, hasFlags: false }],
  [BlockType.EV_V2_LARGE, { type: BlockType.EV_V2_LARGE, v2: true, large: true, hasFlags: false }],
  [BlockType.EVF, { type: BlockType.EVF, v2: false, large: false, hasFlags: true }],
  [BlockType.EVF_V2, { type: BlockType.EVF_V2, v2: true, large: false, hasFlags: true }],
  [BlockType.EVF_V2_LARGE, { type: BlockType.EVF_V2_LARGE, v2: true, large: true, hasFlags: true }],
]);

/** The layout of an event block type, or undefined when the type is not an event block. */
export function eventBlockLayout(type: number): EventBlockLayout | undefined {
  return EVENT_LAYOUTS.get(type);
}
