// Record layouts shared by the reader and the writer: key (nk) and value (vk) flags, layer
// semantics, list signatures and size limits.

/** nk flags (u16 at +2). */
export const KEY_VOLATILE = 0x0001;
export const KEY_HIVE_EXIT = 0x0002;
export const KEY_HIVE_ENTRY = 0x0004;
export const KEY_NO_DELETE = 0x0008;
export const KEY_SYM_LINK = 0x0010;
export const KEY_COMP_NAME = 0x0020;

/** vk flags (u16 at +16). */
export const VALUE_COMP_NAME = 0x0001;
export const VALUE_TOMBSTONE = 0x0002;

/** Layer semantics, nk byte +13 bits 0-1 (values, not masks). */
export const LAYER_MERGE = 0;
export const LAYER_TOMBSTONE = 1;
export const LAYER_SUPERSEDE_LOCAL = 2;
export const LAYER_SUPERSEDE_TREE = 3;
export type LayerSemantics = 0 | 1 | 2 | 3;
/** nk byte +13 bit 7: the class is inherited from the layer above. */
export const LAYER_INHERIT_CLASS = 0x80;

/** Largest value data held in one cell; bigger data goes to a db record (minor ≥ 4). */
export const BIG_DATA_SEGMENT = 16344;
/** Most entries that fit a one-page lh leaf; more go under an ri. */
export const MAX_LEAF_ENTRIES = 507;
/** Deepest key nesting Windows allows; also our cycle guard. */
export const MAX_DEPTH = 512;

export const NK_FIXED = 76;
export const VK_FIXED = 20;
export const SK_FIXED = 20;

export function sig(d: Uint8Array): string {
  return d.length >= 2 ? String.fromCharCode(d[0]!, d[1]!) : '';
}
