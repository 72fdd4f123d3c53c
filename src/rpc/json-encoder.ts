// The JSON encoder of outgoing messages. vscode-jsonrpc's default writes the JSON text with
// Buffer.from(text, 'utf-8'), whose UTF-8 conversion costs twice JSON.stringify on the large
// `$/items` batches of a listing. Nearly all of that text is ASCII, where the Latin-1 copy gives
// the same bytes many times faster; Buffer.byteLength tells (cheaply) whether it is.

import type { ContentTypeEncoder } from 'vscode-jsonrpc/node';

export const jsonEncoder: ContentTypeEncoder = {
  name: 'application/json',
  encode: (msg) => {
    try {
      const text = JSON.stringify(msg);
      return Promise.resolve(Buffer.from(text, Buffer.byteLength(text, 'utf8') === text.length ? 'latin1' : 'utf8'));
    } catch (err) {
      return Promise.reject(err);
    }
  },
};
