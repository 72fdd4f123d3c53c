// Which compression a layer blob uses, from its first bytes (gzip 1f 8b, zstd 28 b5 2f fd, else a
// plain tar). Apart from compression.ts so that a plain tar listing does not load zlib and fzstd.

export type Compression = 'none' | 'gzip' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}
