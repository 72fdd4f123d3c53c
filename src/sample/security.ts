// Security descriptors for sample layers: a handful of descriptors of the kinds real Windows
// images carry (TrustedInstaller-owned system files, inherited ACLs, protected folders, a
// mandatory label, the go-containerregistry default, a NULL DACL), written as SDDL and built
// with the SDDL builder, then shared by many entries as in real layers.

import { sddlToSd } from '../formats/backup/sddl.js';

const TI = 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464';
const APP_PACKAGES = 'S-1-15-2-1';
const RESTRICTED_APP_PACKAGES = 'S-1-15-2-2';

export const SAMPLE_FILE_SDDL = [
  `O:${TI}G:${TI}D:PAI(A;;FA;;;${TI})(A;;0x1200a9;;;BA)(A;;0x1200a9;;;SY)(A;;0x1200a9;;;BU)(A;;0x1200a9;;;${APP_PACKAGES})(A;;0x1200a9;;;${RESTRICTED_APP_PACKAGES})`,
  'O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)',
  'O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;0x1301bf;;;BA)(A;ID;0x1200a9;;;BU)(A;ID;0x1200a9;;;AC)',
  'O:SYG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;FA;;;CO)(A;ID;0x1200a9;;;BU)',
  'O:BAG:BAD:(D;;WDWO;;;WD)(A;;FA;;;BA)(A;;FR;;;AU)',
  'O:BAG:SYD:(A;;FA;;;BA)(A;;FA;;;SY)S:(ML;;NW;;;LW)',
  'O:BUG:BU',
  'O:NSG:NSD:P(A;;FA;;;NS)(A;;FA;;;SY)(A;;FR;;;LS)',
] as const;

export const SAMPLE_DIR_SDDL = [
  `O:${TI}G:${TI}D:PAI(A;;FA;;;${TI})(A;CIIO;GA;;;${TI})(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;${APP_PACKAGES})(A;OICIIO;GXGR;;;${APP_PACKAGES})`,
  'O:BAG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;OICIIOID;GA;;;CO)',
  'O:SYG:SYD:PAI(A;OICIIO;GA;;;SY)(A;;FA;;;SY)(A;OICIIO;GA;;;BA)(A;;FA;;;BA)(A;;0x1200a9;;;WD)(A;OICIIO;GXGR;;;WD)',
  'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;0x100116;;;BU)',
  'D:NO_ACCESS_CONTROL',
] as const;

/** The SDDL strings above as self-relative descriptor bytes, built once. */
export interface SecurityPool {
  files: Uint8Array[];
  dirs: Uint8Array[];
}

export function buildSecurityPool(): SecurityPool {
  return { files: SAMPLE_FILE_SDDL.map(sddlToSd), dirs: SAMPLE_DIR_SDDL.map(sddlToSd) };
}
