// The tar decoder's digests run on the shared hashing thread: the same hex as node:crypto for any
// chunking (odd offsets, chunks larger than the block pool, empty chunks), several at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { streamDigest } from '../../src/formats/shared-digest.js';

test('streamDigest matches node:crypto for any chunking, several digests at once', async () => {
  const data = Buffer.alloc(9 * 1024 * 1024 + 13);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, data.length - 4));
  const want = { sha256: createHash('sha256').update(data).digest('hex'), sha512: createHash('sha512').update(data).digest('hex') };
  const digests = [streamDigest('sha256'), streamDigest('sha512'), streamDigest('sha256')];
  const scratch = Buffer.alloc(6 * 1024 * 1024 + 16);
  let seed = 7;
  for (let done = 0; done < data.length; ) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    // Mostly small pieces, sometimes one bigger than the whole block pool (4 MiB).
    const n = Math.min(data.length - done, seed % 5 === 0 ? 5 * 1024 * 1024 + (seed % 999) : seed % 70_000);
    const at = seed % 8;
    scratch.set(data.subarray(done, done + n), at);
    for (const d of digests) {
      const wait = d.update(scratch.subarray(at, at + n));
      if (wait) await wait;
    }
    done += n;
  }
  const got = await Promise.all(digests.map((d) => d.hex()));
  for (const d of digests) d.close();
  assert.deepEqual(got, [want.sha256, want.sha512, want.sha256]);
  const empty = streamDigest('sha256');
  assert.equal(await empty.hex(), createHash('sha256').digest('hex'));
  empty.close();
  streamDigest('sha256').close(); // never fed: nothing to end
});
