// The win32 platform driven through fake DLL tables: the arguments it builds (DriverInfo,
// layer descriptors, GUIDs, access masks), its BackupRead/BackupWrite loops and context
// clean-up, two-call buffers, cancellation, and how failures become WcErrors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createWin32Platform } from '../../src/platform/win32/index.js';
import { formatGuid, parseGuid, volumeGuidOf } from '../../src/platform/win32/guid.js';
import { hresultFromWin32 } from '../../src/platform/win32/errors.js';
import { fake, fakeKernel32, fakeLibraries } from './fake-native.js';

const E_ACCESSDENIED = hresultFromWin32(5);

/** NameToGuid stand-in: a GUID derived from the name's characters. */
function guidFor(name: string) {
  const b = Buffer.alloc(16);
  Buffer.from(name, 'utf8').copy(b);
  return { Data1: b.readUInt32LE(0), Data2: b.readUInt16LE(4), Data3: b.readUInt16LE(6), Data4: [...b.subarray(8)] };
}

function vmcomputeFakes(result = 0) {
  const nameToGuid = fake((name: string, out: Record<string, unknown>) => {
    Object.assign(out, guidFor(name));
    return 0;
  });
  const t: Record<string, ReturnType<typeof fake>> = { NameToGuid: nameToGuid };
  for (const n of ['ImportLayer', 'ExportLayer', 'ActivateLayer', 'DeactivateLayer', 'PrepareLayer', 'UnprepareLayer', 'DestroyLayer', 'CreateSandboxLayer', 'ExpandSandboxSize', 'ProcessBaseImage', 'ProcessUtilityImage']) {
    t[n] = fake(() => result);
  }
  return t;
}

test('ImportLayer gets the driver info, the layer id, the source and one descriptor per parent', async () => {
  const vm = vmcomputeFakes();
  const p = createWin32Platform(fakeLibraries({ vmcompute: vm }));
  const progress: string[] = [];
  await p.importLayer('C:\\layers\\child', 'C:\\staging\\x', ['C:\\layers\\parent', 'D:\\base'], { onProgress: (e) => progress.push(e.message!) });
  const [call] = vm.ImportLayer!.calls;
  assert.deepEqual(call, [
    { Flavour: 1, HomeDir: '' },
    'C:\\layers\\child',
    'C:\\staging\\x',
    [
      { LayerId: guidFor('parent'), Flags: 0, Path: 'C:\\layers\\parent' },
      { LayerId: guidFor('base'), Flags: 0, Path: 'D:\\base' },
    ],
    2,
  ]);
  assert.equal(vm.ImportLayer!.asyncCalls, 1, 'the long call runs off the main thread');
  assert.deepEqual(vm.NameToGuid!.calls.map((c) => c[0]), ['parent', 'base']);
  assert.deepEqual(progress, ['ImportLayer C:\\layers\\child']);

  await p.exportLayer('C:\\layers\\base', 'C:\\out', []);
  assert.deepEqual(vm.ExportLayer!.calls[0], [{ Flavour: 1, HomeDir: '' }, 'C:\\layers\\base', 'C:\\out', null, 0]);
  await p.createSandboxLayer('C:\\s', ['C:\\b']);
  assert.deepEqual(vm.CreateSandboxLayer!.calls[0]!.slice(1), ['C:\\s', null, [{ LayerId: guidFor('b'), Flags: 0, Path: 'C:\\b' }], 1]);
  await p.expandSandboxSize('C:\\s', 2n ** 40n);
  assert.equal(vm.ExpandSandboxSize!.calls[0]![2], 2n ** 40n);
  await p.activateLayer('C:\\s');
  await p.destroyLayer('C:\\s');
  assert.deepEqual(vm.DestroyLayer!.calls[0], [{ Flavour: 1, HomeDir: '' }, 'C:\\s']);
  await p.processUtilityImage('C:\\b\\UtilityVM');
  assert.deepEqual(vm.ProcessUtilityImage!.calls[0], ['C:\\b\\UtilityVM']);
});

test('a failing HRESULT becomes a WcError naming the call and the layer', async () => {
  const p = createWin32Platform(fakeLibraries({ vmcompute: vmcomputeFakes(E_ACCESSDENIED) }));
  await assert.rejects(p.importLayer('C:\\l', 'C:\\src', []), {
    code: 'PermissionDenied',
    message: /^ImportLayer C:\\l failed: access denied .*HRESULT 0x80070005/,
  });
  await assert.rejects(p.activateLayer('C:\\l'), (e: any) => e.data.hresult === E_ACCESSDENIED && e.data.operation === 'ActivateLayer');
});

test('cancellation: checked before a long call, and reported when it fires during one', async () => {
  const vm = vmcomputeFakes();
  const p = createWin32Platform(fakeLibraries({ vmcompute: vm }));
  const before = new AbortController();
  before.abort();
  await assert.rejects(p.importLayer('C:\\l', 'C:\\src', ['C:\\b'], { signal: before.signal }), { code: 'Cancelled' });
  assert.equal(vm.ImportLayer!.calls.length, 0);

  const during = new AbortController();
  vm.ExportLayer = fake(() => {
    during.abort();
    return 0;
  });
  const p2 = createWin32Platform(fakeLibraries({ vmcompute: vm }));
  await assert.rejects(p2.exportLayer('C:\\l', 'C:\\out', [], { signal: during.signal }), { code: 'Cancelled', message: /ExportLayer of C:\\l/ });
});

test('LayerExists and the two GetLayerMountPath calls', async () => {
  const mount = '\\\\?\\Volume{12345678-1234-1234-1234-123456789abc}\\';
  const vm = {
    LayerExists: fake((_i: unknown, id: string, out: number[]) => {
      out[0] = id === 'C:\\yes' ? 1 : 0;
      return 0;
    }),
    GetLayerMountPath: fake((_i: unknown, _id: string, len: number[], buf: Buffer | null) => {
      if (buf === null) len[0] = mount.length + 1;
      else buf.write(mount + '\0', 'utf16le');
      return 0;
    }),
  };
  const p = createWin32Platform(fakeLibraries({ vmcompute: vm }));
  assert.equal(await p.layerExists('C:\\yes'), true);
  assert.equal(await p.layerExists('C:\\no'), false);
  assert.equal(await p.getLayerMountPath('C:\\s'), mount);
  assert.equal(vm.GetLayerMountPath.calls.length, 2);
  const none = createWin32Platform(fakeLibraries({ vmcompute: { GetLayerMountPath: fake(() => 0) } }));
  assert.equal(await none.getLayerMountPath('C:\\s'), '');
});

/** kernel32 fakes serving `source` through BackupRead, collecting BackupWrite. */
function backupKernel32(source: Buffer, options: { failReadWith?: number } = {}) {
  let pos = 0;
  const written: Buffer[] = [];
  const aborts: string[] = [];
  const k = fakeKernel32({
    CreateFileW: fake(() => 0x1234n),
    BackupRead: fake((_h, buf: Buffer | null, n: number, read: number[], abort: number, _sec: number, ctx: unknown[]) => {
      if (abort) {
        aborts.push(`read ${String(ctx[0])}`);
        return 1;
      }
      if (options.failReadWith) {
        k.state.lastError = options.failReadWith;
        return 0;
      }
      ctx[0] ??= 0xc0ffeen;
      const take = Math.min(n, source.length - pos);
      source.copy(buf!, 0, pos, pos + take);
      pos += take;
      read[0] = take;
      return 1;
    }),
    BackupWrite: fake((_h, buf: Uint8Array | null, n: number, out: number[], abort: number, _sec: number, ctx: unknown[]) => {
      if (abort) {
        aborts.push(`write ${String(ctx[0])}`);
        return 1;
      }
      ctx[0] ??= 0xbeefn;
      written.push(Buffer.from(buf!.subarray(0, n)));
      out[0] = n;
      return 1;
    }),
  });
  return { ...k, written, aborts };
}

test('readBackupStream yields the backup stream in chunks and frees the context at the end', async () => {
  const source = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  const k = backupKernel32(source);
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  const f = await p.openForBackup('C:\\l\\Files\\a.txt', { access: 'read' });
  const chunks: Uint8Array[] = [];
  const progress: number[] = [];
  for await (const c of f.readBackupStream({ chunkSize: 64, onProgress: (e) => progress.push(e.bytesDone!) })) chunks.push(c);
  assert.deepEqual(Buffer.concat(chunks), source);
  assert.ok(chunks.every((c) => c.length <= 64));
  assert.equal(progress.at(-1), 1000);
  assert.deepEqual(k.aborts, [`read ${0xc0ffeen}`]);
  // Every read asked for security (bProcessSecurity = TRUE by default).
  assert.ok(k.table.BackupRead!.calls.filter((c) => c[4] === 0).every((c) => c[5] === 1));
  await f.close();
  await f.close();
  assert.equal(k.table.CloseHandle!.calls.length, 1);
});

test('breaking out of readBackupStream, or cancelling it, still frees the context', async () => {
  const k = backupKernel32(Buffer.alloc(4096, 7));
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  const f = await p.openForBackup('C:\\a', { access: 'read' });
  for await (const c of f.readBackupStream({ chunkSize: 100, includeSecurity: false })) {
    assert.equal(c.length, 100);
    break;
  }
  assert.equal(k.aborts.length, 1);
  assert.equal(k.table.BackupRead!.calls[0]![5], 0);

  const ac = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const c of f.readBackupStream({ chunkSize: 100, signal: ac.signal })) {
        seen.push(c.length);
        ac.abort();
      }
    })(),
    { code: 'Cancelled' },
  );
  assert.deepEqual(seen, [100]);
  assert.equal(k.aborts.length, 2);
});

test('a failing BackupRead reports GetLastError with the path', async () => {
  const k = backupKernel32(Buffer.alloc(10), { failReadWith: 1314 });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  const f = await p.openForBackup('C:\\secret', { access: 'read' });
  await assert.rejects(
    (async () => {
      for await (const _ of f.readBackupStream()) void _;
    })(),
    { code: 'PermissionDenied', message: /^BackupRead C:\\secret failed: .*elevated/ },
  );
});

test('a BackupWrite session passes the bytes through and frees its context on close', async () => {
  const k = backupKernel32(Buffer.alloc(0));
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  const f = await p.openForBackup('C:\\l\\new.txt', { access: 'restore', disposition: 'createNew' });
  const [path, access, share, , disposition, flags] = k.table.CreateFileW!.calls[0]!;
  assert.equal(path, '\\\\?\\C:\\l\\new.txt', 'the long-path form, so MAX_PATH does not apply');
  assert.equal(access, 0xc10c0000); // GENERIC_READ|GENERIC_WRITE|WRITE_DAC|WRITE_OWNER|ACCESS_SYSTEM_SECURITY
  assert.equal(share, 1); // FILE_SHARE_READ
  assert.equal(disposition, 1); // CREATE_NEW
  assert.equal(flags, 0x02200000); // FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT
  const w = f.createBackupWriter();
  await w.write(Buffer.from('0300000000000000', 'hex'));
  await w.write(new Uint8Array(0));
  await w.write(Buffer.from('1400', 'hex'));
  await w.close();
  await w.close();
  assert.equal(Buffer.concat(k.written).toString('hex'), '03000000000000001400');
  assert.deepEqual(k.aborts, [`write ${0xbeefn}`]);
  await assert.rejects(w.write(Buffer.from('00', 'hex')), { code: 'FailedPrecondition' });
  // Closing the file frees a writer left open.
  const w2 = f.createBackupWriter({ includeSecurity: false });
  await w2.write(Buffer.from('01', 'hex'));
  await f.close();
  assert.equal(k.aborts.length, 2);
});

test('openForBackup failures map GetLastError', async () => {
  const k = fakeKernel32({ CreateFileW: fake(() => 0xffffffffffffffffn) });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  k.state.lastError = 2;
  await assert.rejects(p.openForBackup('C:\\nope', { access: 'read' }), { code: 'NotFound', message: /^CreateFileW C:\\nope failed/ });
  k.state.lastError = 80;
  await assert.rejects(p.openForBackup('C:\\there', { access: 'restore', disposition: 'createNew' }), { code: 'AlreadyExists' });
});

test('basic info goes through FILE_BASIC_INFO bytes at the SDK offsets', async () => {
  const times = [132000000000000001n, 132000000000000002n, 132000000000000003n, 132000000000000004n];
  let stored: Buffer | undefined;
  const k = fakeKernel32({
    CreateFileW: fake(() => 5n),
    GetFileInformationByHandleEx: fake((_h, cls: number, buf: Buffer, size: number) => {
      assert.equal(cls, 0); // FileBasicInfo
      assert.equal(size, 40);
      times.forEach((t, i) => buf.writeBigInt64LE(t, i * 8));
      buf.writeUInt32LE(0x2010, 32);
      return 1;
    }),
    SetFileInformationByHandle: fake((_h, _cls: number, buf: Buffer) => {
      stored = Buffer.from(buf);
      return 1;
    }),
  });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  const f = await p.openForBackup('C:\\d', { access: 'restore' });
  const info = await f.getBasicInfo();
  assert.deepEqual(info, { creationTime: times[0], lastAccessTime: times[1], lastWriteTime: times[2], changeTime: times[3], attributes: 0x2010 });
  await f.setBasicInfo({ ...info, attributes: 0x10 });
  assert.equal(stored!.readBigInt64LE(24), times[3]);
  assert.equal(stored!.readUInt32LE(32), 0x10);
});

test('privileges: each is looked up and enabled on the process token; not holding one says to elevate', async () => {
  const k = fakeKernel32();
  const advapi32 = {
    OpenProcessToken: fake((_p, access: number, out: unknown[]) => {
      assert.equal(access, 0x28); // TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY
      out[0] = 0x77n;
      return 1;
    }),
    LookupPrivilegeValueW: fake((_s, name: string, luid: Record<string, number>) => {
      luid.LowPart = name.length;
      luid.HighPart = 0;
      return 1;
    }),
    AdjustTokenPrivileges: fake(() => {
      k.state.lastError = 0;
      return 1;
    }),
  };
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table, advapi32 }));
  await p.enableProcessPrivileges(['SeBackupPrivilege', 'SeRestorePrivilege']);
  const adjusted = advapi32.AdjustTokenPrivileges.calls.map((c) => c[2]);
  assert.deepEqual(adjusted, [
    { PrivilegeCount: 1, Privileges: [{ Luid: { LowPart: 17, HighPart: 0 }, Attributes: 2 }] },
    { PrivilegeCount: 1, Privileges: [{ Luid: { LowPart: 18, HighPart: 0 }, Attributes: 2 }] },
  ]);
  assert.deepEqual(k.table.CloseHandle!.calls, [[0x77n]]);

  advapi32.AdjustTokenPrivileges = fake(() => {
    k.state.lastError = 1300; // ERROR_NOT_ALL_ASSIGNED: "succeeds" without enabling
    return 1;
  });
  const p2 = createWin32Platform(fakeLibraries({ kernel32: k.table, advapi32 }));
  await assert.rejects(p2.enableProcessPrivileges(['SeRestorePrivilege']), {
    code: 'PermissionDenied',
    message: /SeRestorePrivilege.*elevated/,
  });
  assert.equal(k.table.CloseHandle!.calls.length, 2, 'the token is closed on failure too');
});

test('CIM mount splits the path, passes the GUID struct and returns the volume path', async () => {
  const cimfs = { CimMountImage: fake(() => 0), CimDismountImage: fake(() => 0) };
  const p = createWin32Platform(fakeLibraries({ cimfs }));
  const guid = '0f0e0d0c-0b0a-0908-0706-050403020100';
  const m = await p.cimMountImage('C:\\cims\\layer-1.cim', { volumeGuid: `{${guid.toUpperCase()}}`, flags: 0x1 });
  assert.deepEqual(m, { volumeGuid: guid, volumePath: `\\\\?\\Volume{${guid}}\\` });
  assert.deepEqual(cimfs.CimMountImage.calls[0], [
    'C:\\cims',
    'layer-1.cim',
    1,
    { Data1: 0x0f0e0d0c, Data2: 0x0b0a, Data3: 0x0908, Data4: [7, 6, 5, 4, 3, 2, 1, 0] },
  ]);
  await p.cimDismountImage(m.volumePath);
  assert.deepEqual(cimfs.CimDismountImage.calls[0], [cimfs.CimMountImage.calls[0]![3]]);
  const random = await p.cimMountImage('C:\\cims\\b.cim');
  assert.match(random.volumeGuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await assert.rejects(p.cimDismountImage('not-a-guid'), { code: 'InvalidArgument' });
});

test('offreg: open, merge, save and close pass handles through; Win32 results map', async () => {
  let next = 100n;
  const offreg = {
    OROpenHive: fake((path: string, out: unknown[]) => {
      if (path.endsWith('missing')) return 2;
      out[0] = next++;
      return 0;
    }),
    ORCreateHive: fake((out: unknown[]) => ((out[0] = next++), 0)),
    ORMergeHives: fake((handles: bigint[], count: number, out: unknown[]) => {
      assert.equal(count, handles.length);
      out[0] = 900n;
      return 0;
    }),
    ORSaveHive: fake(() => 0),
    ORCloseHive: fake(() => 0),
  };
  const p = createWin32Platform(fakeLibraries({ offreg }));
  const base = await p.openHive('C:\\p\\Hives\\SYSTEM_BASE');
  const delta = await p.openHive('C:\\c\\Hives\\SYSTEM_DELTA');
  const merged = await p.mergeHives([base, delta]);
  assert.deepEqual(offreg.ORMergeHives.calls[0]!.slice(0, 2), [[100n, 101n], 2]);
  await merged.save('C:\\c\\Hives\\SYSTEM_BASE', { major: 10, minor: 0 });
  assert.deepEqual(offreg.ORSaveHive.calls[0], [900n, 'C:\\c\\Hives\\SYSTEM_BASE', 10, 0]);
  await merged.close();
  await merged.close();
  assert.deepEqual(offreg.ORCloseHive.calls, [[900n]]);
  await assert.rejects(merged.save('C:\\x', { major: 10, minor: 0 }), { code: 'FailedPrecondition' });
  await assert.rejects(p.openHive('C:\\missing'), { code: 'NotFound', message: /^OROpenHive C:\\missing failed/ });
  await assert.rejects(p.mergeHives([]), { code: 'InvalidArgument' });
  assert.ok(await p.createHive());
});

test('GUID text and struct forms round-trip', () => {
  fc.assert(
    fc.property(fc.uuid(), (u) => {
      assert.equal(formatGuid(parseGuid(u)), u.toLowerCase());
      assert.equal(volumeGuidOf(`\\\\?\\Volume{${u}}\\`), u.toLowerCase());
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 5000 : 200 },
  );
  assert.throws(() => parseGuid('6f1c0a2e'), { code: 'InvalidArgument' });
});
