// The layer format names, apart from the formats themselves, so that callers that only check
// a name (RPC parameter validation) need not load the writers.

export type LayerFormatName = 'legacy' | 'cim';
export const LAYER_FORMAT_NAMES: readonly LayerFormatName[] = ['legacy', 'cim'];
