// In RPC mode stdout belongs to the protocol. Anything else that writes there (a library's
// console.log, a stray debug print) would corrupt the framing and hang the client, so every
// other writer is sent to stderr and only the returned stream reaches the real stdout.

import { Writable } from 'node:stream';

export function reserveStdoutForProtocol(): Writable {
  const realWrite = process.stdout.write.bind(process.stdout) as (chunk: Uint8Array | string, cb?: (err?: Error | null) => void) => boolean;
  const toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = toStderr as typeof process.stdout.write;
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;

  return new Writable({
    write(chunk: Buffer, _enc, done) {
      realWrite(chunk, (err) => done(err ?? null));
    },
  });
}
