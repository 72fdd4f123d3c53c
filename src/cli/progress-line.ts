// A one-line progress display on stderr, only when stderr is a terminal (never in pipes or logs).

import type { Progress } from '../task.js';

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export interface ProgressLine {
  report: ((p: Progress) => void) | undefined;
  done(): void;
}

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { report: undefined, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    report: (p) => {
      const now = Date.now();
      if (now - last < 150) return;
      last = now;
      const parts = [label];
      if (p.bytesDone !== undefined) parts.push(p.bytesTotal ? `${human(p.bytesDone)} / ${human(p.bytesTotal)} (${Math.floor((100 * p.bytesDone) / p.bytesTotal)}%)` : human(p.bytesDone));
      if (p.entriesDone !== undefined) parts.push(`${p.entriesDone} entries`);
      const text = parts.join('  ').slice(0, Math.max(20, (stream.columns || 80) - 1));
      stream.write(`\r\x1b[K${text}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/** `50MB`, `2GiB`, `1.5g`, `4096` → bytes (binary multiples, like docker's RAMInBytes). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: '${text}' (examples: 4096, 512KB, 50MB, 2GB)`);
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}
