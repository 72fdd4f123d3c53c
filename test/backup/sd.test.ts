import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ACE_TYPE,
  SD_CONTROL,
  encodeSecurityDescriptor,
  formatSddl,
  parseSddl,
  parseSecurityDescriptor,
  parseSid,
  parseSidString,
  sddlToSd,
  sdToSddl,
  securityDescriptorToJson,
  sidToString,
  SID_ALIASES,
  type Ace,
  type SecurityDescriptor,
} from '../../src/formats/backup/index.js';
import { assertWcError, hex, runs, toHex } from './helpers.js';

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

test('spec 1.3/2.7: O:BUG:BU is the 52-byte go-containerregistry descriptor', () => {
  const expected = 'AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==';
  const sd = sddlToSd('O:BUG:BU');
  assert.equal(sd.length, 52);
  assert.equal(Buffer.from(sd).toString('base64'), expected);
  assert.equal(sdToSddl(b64(expected)), 'O:BUG:BU');
});

test('spec 7.1: the NULL-DACL descriptor of the golden tar is D:NO_ACCESS_CONTROL', () => {
  const raw = 'AQAEgAAAAAAAAAAAAAAAAAAAAAA=';
  assert.equal(sdToSddl(b64(raw)), 'D:NO_ACCESS_CONTROL');
  assert.equal(Buffer.from(sddlToSd('D:NO_ACCESS_CONTROL')).toString('base64'), raw);
  assert.equal(parseSecurityDescriptor(b64(raw)).dacl, null);
});

// Microsoft docs, "Security Descriptor String Format" (MicrosoftDocs/win32
// desktop-src/SecAuthZ/security-descriptor-string-format.md), String 2 and its decoded
// descriptor. The domain alias DA is written as the SID the doc resolves it to, because
// domain-relative aliases need the machine's domain.
const DOMAIN_ADMINS = 'S-1-5-21-397955417-626881126-188441444-512';
const MS_STRING_2 =
  `O:${DOMAIN_ADMINS}G:${DOMAIN_ADMINS}D:(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(A;;RPWPCCDCLCRCWOWDSDSW;;;${DOMAIN_ADMINS})` +
  '(OA;;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;AO)(OA;;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;AO)' +
  '(OA;;CCDC;6da8a4ff-0e52-11d0-a286-00aa003049e2;;AO)(OA;;CCDC;bf967aa8-0de6-11d0-a285-00aa003049e2;;PO)' +
  '(A;;RPLCRC;;;AU)S:(AU;SAFA;WDWOSDWPCCDCSW;;;WD)';

test('Microsoft docs String 2: control, ACL revisions, sizes, counts and masks match the documented descriptor', () => {
  const bytes = sddlToSd(MS_STRING_2);
  const sd = parseSecurityDescriptor(bytes);
  assert.equal(sd.control & ~SD_CONTROL.SELF_RELATIVE, 0x0014);
  assert.equal(sidToString(sd.owner!), DOMAIN_ADMINS);
  const daclOff = dv(bytes).getUint32(16, true);
  assert.equal(bytes[daclOff], 4); // revision 4 (object ACEs)
  assert.equal(dv(bytes).getUint16(daclOff + 2, true), 0x0104);
  assert.equal(dv(bytes).getUint16(daclOff + 4, true), 7);
  assert.deepEqual(sd.dacl!.aces.map((a) => a.mask), [0x000f003f, 0x000f003f, 3, 3, 3, 3, 0x00020014]);
  assert.deepEqual(sd.dacl!.aces.map((a) => a.type), [0, 0, 5, 5, 5, 5, 0]);
  assert.deepEqual(sd.dacl!.aces.slice(2, 6).map((a) => sidToString(a.sid)), ['S-1-5-32-548', 'S-1-5-32-548', 'S-1-5-32-548', 'S-1-5-32-550']);
  // ACE sizes 0x14, 0x24, 0x2c ×4, 0x14
  const sizes: number[] = [];
  let p = daclOff + 8;
  for (let i = 0; i < 7; i++) {
    sizes.push(dv(bytes).getUint16(p + 2, true));
    p += sizes[i]!;
  }
  assert.deepEqual(sizes, [0x14, 0x24, 0x2c, 0x2c, 0x2c, 0x2c, 0x14]);
  const saclOff = dv(bytes).getUint32(12, true);
  assert.equal(bytes[saclOff], 2);
  assert.equal(dv(bytes).getUint16(saclOff + 2, true), 0x1c);
  assert.equal(sd.sacl!.aces[0]!.type, ACE_TYPE.SYSTEM_AUDIT);
  assert.equal(sd.sacl!.aces[0]!.flags, 0xc0);
  assert.equal(sd.sacl!.aces[0]!.mask, 0x000d002b);
  assert.equal(sidToString(sd.sacl!.aces[0]!.sid), 'S-1-1-0');
  // canonical rendering parses back to the same bytes
  assert.equal(toHex(sddlToSd(sdToSddl(bytes))), toHex(bytes));
});

test('Microsoft docs String 1: the rights string is 0x100e003f and the owner AO is S-1-5-32-548', () => {
  const sd = parseSddl('O:AOD:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-0-0)');
  assert.equal(sd.dacl!.aces[0]!.mask, 0x100e003f);
  assert.equal(sidToString(sd.owner!), 'S-1-5-32-548');
  const bytes = encodeSecurityDescriptor(sd);
  const daclOff = dv(bytes).getUint32(16, true);
  assert.equal(dv(bytes).getUint16(daclOff + 2, true), 0x1c);
  assert.equal(dv(bytes).getUint16(daclOff + 8 + 2, true), 0x14);
});

test('rendering follows Windows conventions: FA/FR aliases, hex for other masks, ascending bits, OICIIO', () => {
  const s = 'O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464' +
    'D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;CIIO;GA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)' +
    '(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)';
  assert.equal(sdToSddl(sddlToSd(s)), s);
  // a mask written in hex that has an alias comes back as the alias
  assert.equal(sdToSddl(sddlToSd('D:(A;;0x1f01ff;;;WD)')), 'D:(A;;FA;;;WD)');
  assert.equal(sdToSddl(sddlToSd('D:(A;;0x120089;;;WD)(A;;0x120116;;;WD)(A;;0x1200a0;;;WD)')), 'D:(A;;FR;;;WD)(A;;FW;;;WD)(A;;FX;;;WD)');
  assert.equal(sdToSddl(sddlToSd('D:(A;;GRGWGXGA;;;WD)')), 'D:(A;;GAGXGWGR;;;WD)');
  assert.equal(sdToSddl(sddlToSd('S:(ML;;NWNR;;;LW)')), 'S:(ML;;NWNR;;;LW)');
  // mixed-case SIDs and aliases, whitespace
  assert.equal(sdToSddl(sddlToSd(' o:ba g:sy d:p (a;oici;fa;;;s-1-5-18) ')), 'O:BAG:SYD:P(A;OICI;FA;;;SY)');
});

test('every SID alias maps to its SID and back', () => {
  for (const [alias, sid] of Object.entries(SID_ALIASES)) {
    const text = `O:${alias}G:${sid}`;
    assert.equal(sdToSddl(sddlToSd(text)), `O:${alias}G:${alias}`, alias);
  }
  for (const a of ['BA', 'SY', 'BU', 'WD', 'CO', 'CG', 'NS', 'LS', 'AU']) assert.ok(SID_ALIASES[a], a);
});

test('SID strings: large authorities in hex, bad strings rejected', () => {
  assert.equal(sidToString(parseSidString('S-1-0x123456789ABC-1')!), 'S-1-0x123456789ABC-1');
  assert.equal(sidToString(parseSidString('S-1-4294967296-1')!), 'S-1-0x000100000000-1');
  assert.equal(parseSidString('S-2-5-18'), undefined);
  assert.equal(parseSidString('S-1-5-4294967296'), undefined);
  assert.equal(parseSidString(`S-1-5${'-1'.repeat(16)}`), undefined);
});

test('empty DACL, empty SACL, flags on each', () => {
  for (const s of ['D:', 'S:', 'D:PAI', 'D:ARAI(A;;FA;;;SY)', 'S:PAI(AU;SA;FA;;;WD)', 'O:SYD:S:']) {
    assert.equal(sdToSddl(sddlToSd(s)), s);
  }
});

test('object ACEs with both GUIDs; alarm and scoped-policy ACEs', () => {
  const s = 'D:(OD;CI;RPWP;bf967aba-0de6-11d0-a285-00aa003049e2;6da8a4ff-0e52-11d0-a286-00aa003049e2;S-1-5-21-1-2-3-500)S:(AL;FA;FW;;;WD)(SP;;;;;S-1-17-1)(TL;;0x20;;;S-1-19-512-4096)(OU;SA;CR;;bf967aba-0de6-11d0-a285-00aa003049e2;AU)';
  assert.equal(sdToSddl(sddlToSd(s)), s);
});

test('SDDL parse errors are InvalidArgument with the offset', () => {
  assertWcError(() => parseSddl('X:BA'), 'InvalidArgument', 0, /expected O:/);
  assertWcError(() => parseSddl('O:ZZ'), 'InvalidArgument', 2, /not a SID/);
  assertWcError(() => parseSddl('D:(A;;FA;;;SY'), 'InvalidArgument', 2, /closing/);
  assertWcError(() => parseSddl('D:(Q;;FA;;;SY)'), 'InvalidArgument', 3, /ACE type/);
  assertWcError(() => parseSddl('D:(A;XX;FA;;;SY)'), 'InvalidArgument', 5, /flag/);
  assertWcError(() => parseSddl('D:(A;;QQ;;;SY)'), 'InvalidArgument', 6, /right/);
  assertWcError(() => parseSddl('D:(A;;FA;;;S-1-5-18;(x))'), 'InvalidArgument', 2, /fields/);
  assertWcError(() => parseSddl('D:(A;;FA;abc;;SY)'), 'InvalidArgument', 9, /object GUIDs/);
  assertWcError(() => parseSddl('D:(OA;;FA;abc;;SY)'), 'InvalidArgument', 10, /GUID/);
  assertWcError(() => parseSddl('O:BAO:SY'), 'InvalidArgument', 4, /twice/);
  assertWcError(() => parseSddl('D:NO_ACCESS_CONTROL(A;;FA;;;SY)'), 'InvalidArgument', undefined, /NO_ACCESS_CONTROL/);
});

test('rendering reports what SDDL cannot say as Unsupported', () => {
  const sd: SecurityDescriptor = {
    control: SD_CONTROL.SELF_RELATIVE | SD_CONTROL.DACL_PRESENT,
    rmControl: 0,
    dacl: { revision: 2, aces: [{ type: ACE_TYPE.ACCESS_ALLOWED_CALLBACK, flags: 0, mask: 1, sid: parseSidString('S-1-1-0')!, applicationData: hex('61727478') }] },
  };
  const bytes = encodeSecurityDescriptor(sd);
  assert.deepEqual(parseSecurityDescriptor(bytes), sd);
  assertWcError(() => sdToSddl(bytes), 'Unsupported');
});

test('JSON view names SIDs, aliases and ACE types', () => {
  const j = securityDescriptorToJson(parseSecurityDescriptor(sddlToSd('O:BAD:P(A;OICI;FA;;;SY)')));
  assert.deepEqual(j, {
    control: '0x9004',
    controlFlags: ['DACL_PRESENT', 'DACL_PROTECTED', 'SELF_RELATIVE'],
    owner: { sid: 'S-1-5-32-544', alias: 'BA' },
    dacl: { revision: 2, aces: [{ type: 'ACCESS_ALLOWED', flags: '0x3', mask: '0x1f01ff', sid: { sid: 'S-1-5-18', alias: 'SY' } }] },
  });
});

// ---- bad bytes -----------------------------------------------------------------------------

test('bad descriptor corpus: each case is Corrupt with the offset', () => {
  const good = sddlToSd('O:BAG:SYD:(A;;FA;;;SY)(A;;FR;;;BU)S:(AU;SA;FA;;;WD)');
  const gdv = dv(good);
  const daclOff = gdv.getUint32(16, true);
  const saclOff = gdv.getUint32(12, true);
  const ownerOff = gdv.getUint32(4, true);
  const mut = (f: (b: Uint8Array, d: DataView) => void): Uint8Array => {
    const b = new Uint8Array(good);
    f(b, dv(b));
    return b;
  };
  assertWcError(() => parseSecurityDescriptor(good.subarray(0, 19)), 'Corrupt', 19, /shorter/);
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[0] = 2))), 'Corrupt', 0, /revision/);
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(2, 0x0014, true))), 'Corrupt', 2, /self-relative/);
  // owner offset out of range, and inside the header
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint32(4, 0xfffffff0, true))), 'Corrupt', 0xfffffff0, /owner SID offset/);
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint32(8, 4, true))), 'Corrupt', 4, /group SID offset/);
  // DACL offset past the end
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint32(16, good.length - 4, true))), 'Corrupt', good.length - 4, /DACL offset/);
  // ACL size past the end
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(daclOff + 2, 0xfff0, true))), 'Corrupt', daclOff + 2, /size/);
  // ACE count too big for the ACL
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(daclOff + 4, 60000, true))), 'Corrupt', daclOff + 4, /claims 60000 ACEs/);
  // ACE count one too many: the missing ACE is outside the ACL
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(saclOff + 4, 2, true))), 'Corrupt', saclOff + 8 + 20, /ACE header/);
  // ACE size past its ACL, and smaller than a header
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(daclOff + 8 + 2, 0x400, true))), 'Corrupt', daclOff + 10, /ACE at offset/);
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(daclOff + 8 + 2, 2, true))), 'Corrupt', daclOff + 10);
  // ACE too short for its SID
  assertWcError(() => parseSecurityDescriptor(mut((b, d) => d.setUint16(daclOff + 8 + 2, 12, true))), 'Corrupt', undefined, /SID of the ACE/);
  // bad ACL revision, unknown ACE type
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[daclOff] = 9))), 'Corrupt', daclOff, /revision 9/);
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[daclOff + 8] = 0x77))), 'Corrupt', daclOff + 8, /type 119/);
  // SID with too many sub-authorities, with a bad revision, and running past the end
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[ownerOff + 1] = 16))), 'Corrupt', ownerOff + 1, /16 sub-authorities/);
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[ownerOff] = 3))), 'Corrupt', ownerOff, /revision 3/);
  assertWcError(() => parseSecurityDescriptor(mut((b) => (b[ownerOff + 1] = 15))), 'Corrupt', ownerOff, /runs past/);
  assertWcError(() => parseSid(hex('0101000000000005'), 0), 'Corrupt', 0, /runs past/);
});

// ---- properties ----------------------------------------------------------------------------

const sidArb = fc.oneof(
  fc.constantFrom(...Object.values(SID_ALIASES)).map((s) => parseSidString(s)!),
  fc.record({
    revision: fc.constant(1),
    authority: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
    subAuthorities: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  }).map((s) => ({ ...s })), // fc.record makes null-prototype objects; the decoder makes plain ones
);
const guidArb = fc.uuid().map((u) => u.toLowerCase());
const simpleAceArb = (types: number[]): fc.Arbitrary<Ace> =>
  fc
    .record({ type: fc.constantFrom(...types), flags: fc.integer({ min: 0, max: 255 }), mask: fc.integer({ min: 0, max: 0xffffffff }), sid: sidArb })
    .map((a) => ({ ...a }));
const objectAceArb = (types: number[]): fc.Arbitrary<Ace> =>
  fc
    .record({ base: simpleAceArb(types), obj: fc.option(guidArb, { nil: undefined }), inh: fc.option(guidArb, { nil: undefined }) })
    .map(({ base, obj, inh }) => ({ ...base, ...(obj ? { objectType: obj } : {}), ...(inh ? { inheritedObjectType: inh } : {}) }));
const aclArb = (simple: number[], object: number[]) =>
  fc.array(fc.oneof(simpleAceArb(simple), objectAceArb(object)), { maxLength: 6 }).map((aces) => ({
    revision: aces.some((a) => object.includes(a.type)) ? 4 : 2,
    aces,
  }));
const aclFlagBits = (p: number, r: number, a: number) => fc.subarray([p, r, a]).map((xs) => xs.reduce((x, y) => x | y, 0));

/** Descriptors SDDL can express exactly: ACL flag bits only when that ACL is present. */
const sdArb: fc.Arbitrary<SecurityDescriptor> = fc
  .record({
    owner: fc.option(sidArb, { nil: undefined }),
    group: fc.option(sidArb, { nil: undefined }),
    dacl: fc.option(fc.option(aclArb([0, 1], [5, 6]), { nil: null }), { nil: undefined }),
    sacl: fc.option(fc.option(aclArb([2, 3, 0x11, 0x13, 0x14], [7, 8]), { nil: null }), { nil: undefined }),
    dflags: aclFlagBits(SD_CONTROL.DACL_PROTECTED, SD_CONTROL.DACL_AUTO_INHERIT_REQ, SD_CONTROL.DACL_AUTO_INHERITED),
    sflags: aclFlagBits(SD_CONTROL.SACL_PROTECTED, SD_CONTROL.SACL_AUTO_INHERIT_REQ, SD_CONTROL.SACL_AUTO_INHERITED),
  })
  .map(({ owner, group, dacl, sacl, dflags, sflags }) => {
    let control = SD_CONTROL.SELF_RELATIVE;
    if (dacl !== undefined) control |= SD_CONTROL.DACL_PRESENT | dflags;
    if (sacl !== undefined) control |= SD_CONTROL.SACL_PRESENT | sflags;
    const sd: SecurityDescriptor = { control, rmControl: 0 };
    if (owner) sd.owner = owner;
    if (group) sd.group = group;
    if (dacl !== undefined) sd.dacl = dacl;
    if (sacl !== undefined) sd.sacl = sacl;
    return sd;
  });

test('property: random descriptors → bytes → parse are equal', () => {
  fc.assert(
    fc.property(sdArb, (sd) => {
      const bytes = encodeSecurityDescriptor(sd);
      assert.deepEqual(parseSecurityDescriptor(bytes), sd);
    }),
    { numRuns: runs(300) },
  );
});

test('property: random descriptors → SDDL → descriptor are equal (bytes too), and SDDL is stable', () => {
  fc.assert(
    fc.property(sdArb, (sd) => {
      const sddl = formatSddl(sd);
      const back = parseSddl(sddl);
      assert.equal(toHex(encodeSecurityDescriptor(back)), toHex(encodeSecurityDescriptor(sd)), sddl);
      assert.equal(formatSddl(back), sddl);
    }),
    { numRuns: runs(300) },
  );
});
