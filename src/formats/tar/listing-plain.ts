// Listing a plain (uncompressed) tar file by its headers alone: TarScanner (scan.ts) reads each
// header by position and skips the data, and the records become entries and items through the
// same code as the streaming path (entries.ts, listing.ts), so the listing is the same item for
// item and fails with the same errors. It cannot give digests (the data is never read): callers
// that want them use listing-stream.ts. The work is synchronous; it pauses every few hundred
// entries so a cancellation (SIGINT, an RPC cancel) can arrive.

import { throwIfCancelled } from '../../task.js';
import type { Entry } from '../entry.js';
import type { DecodeResult } from './decode.js';
import { EntrySequence, recordToEntry } from './entries.js';
import { listEntries, type ListingItem, type ListOptions } from './listing.js';
import { TarScanner, type SyncRandomAccessInput } from './scan.js';

/** Entries between two pauses for the event loop (cancellation, progress). */
const ENTRIES_PER_TURN = 256;

export async function listPlainTar(input: SyncRandomAccessInput, onItem: (item: ListingItem) => void | Promise<void>, options: ListOptions = {}): Promise<DecodeResult> {
  const scanner = new TarScanner(input);
  const sequence = new EntrySequence(options);
  const entryOptions: ListOptions = { ...options, shareSecurityDescriptors: true }; // the entries live only until listed
  const total = options.inputSize ?? input.size;
  const signal = options.signal;
  // The abort event sets a flag: reading `signal.aborted` per entry costs more than the entry.
  let aborted = signal?.aborted ?? false;
  const onAbort = () => (aborted = true);
  signal?.addEventListener('abort', onAbort);
  let turn = 0;
  let offset = 0; // of the entry nextEntry returned last
  const nextEntry = (): Entry | undefined => {
    for (;;) {
      if (aborted) throwIfCancelled(signal, 'reading the tar');
      const rec = scanner.next();
      if (!rec) return undefined;
      const entry = recordToEntry(rec, entryOptions);
      if (!entry) continue;
      sequence.accept(entry, rec);
      offset = rec.offset;
      return entry;
    }
  };
  try {
    await listEntries(
      () => {
        if (++turn < ENTRIES_PER_TURN) return nextEntry();
        turn = 0;
        options.onProgress?.({ bytesDone: scanner.offset, bytesTotal: total, entriesDone: sequence.count });
        return new Promise<void>((resolve) => setImmediate(resolve)).then(nextEntry);
      },
      () => offset,
      onItem,
      options,
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  options.onProgress?.({ bytesDone: input.size, bytesTotal: total, entriesDone: sequence.count });
  return { compression: 'none', compressedSize: input.size, tarSize: input.size, entries: sequence.count };
}
