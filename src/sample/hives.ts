// Registry hive contents for sample layers. A real hive writer is provided by the regf area;
// callers pass it as `hiveContent`. Without one, each hive is this PLACEHOLDER: one 4096-byte
// block that starts with the "regf" signature and names the hive, and is otherwise zero. It is
// NOT a valid hive (no checksum, no root key): it only makes the file recognisable and gives it
// a realistic size class. Tools that parse hives will reject it.

export type HiveKind = 'base' | 'delta';

/** Base-layer hive files under Files/Windows/System32/config. */
export const BASE_HIVES = ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'] as const;
/** Child-layer delta hives under Hives/. */
export const DELTA_HIVES = ['DefaultUser_Delta', 'Sam_Delta', 'Security_Delta', 'Software_Delta', 'System_Delta'] as const;
/** The utility VM's boot configuration hive (base layers), UtilityVM/Files/EFI/Microsoft/Boot/BCD. */
export const BCD_HIVE = 'BCD';

export const PLACEHOLDER_HIVE_SIZE = 4096;

export function placeholderHive(name: string, kind: HiveKind): Uint8Array {
  const b = new Uint8Array(PLACEHOLDER_HIVE_SIZE);
  b.set([0x72, 0x65, 0x67, 0x66]); // "regf"
  const label = new TextEncoder().encode(`wclayer sample placeholder hive: ${name} (${kind})`);
  b.set(label, 0x30);
  return b;
}
