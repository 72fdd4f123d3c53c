// Starts the real backend (`wclayer serve --stdio`) as a child process and connects a
// vscode-jsonrpc client to it, the way the PowerShell module does.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { cliPath } from './paths.js';

export interface BackendUnderTest {
  child: ChildProcessWithoutNullStreams;
  connection: MessageConnection;
  /** Everything the backend wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  close(): Promise<void>;
}

export function startBackend(args: string[] = [], env: NodeJS.ProcessEnv = {}): BackendUnderTest {
  const child = spawn(process.execPath, [cliPath, 'serve', '--stdio', ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  return {
    child,
    connection,
    stderr: () => err,
    exited,
    close: async () => {
      connection.dispose();
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Sends raw bytes to a fresh backend, waits until `responses` replies (frames with an id) came
 * back (or `settleMs` passed when none are expected), closes stdin, and collects raw stdout until
 * the process exits. Waits by content, not by the clock, so a loaded machine only makes it slower.
 */
export async function rawExchange(
  input: Buffer,
  responses: number,
  settleMs = 300,
): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdin.write(input);
  const ready = () => (Buffer.concat(out).toString('utf8').match(/"id":/g) ?? []).length >= responses;
  // Started when stderr says so: a loaded machine can take seconds to start Node.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !/backend ready/.test(err)) await new Promise((r) => setTimeout(r, 20));
  const settled = Date.now() + settleMs;
  while (Date.now() < deadline && (responses > 0 ? !ready() : Date.now() < settled)) await new Promise((r) => setTimeout(r, 20));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return { stdout: Buffer.concat(out), stderr: err, code };
}

export function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/** Splits a byte stream into frames; throws if anything but well-formed frames is found. */
export function parseFrames(bytes: Buffer): unknown[] {
  const messages: unknown[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const headerEnd = bytes.indexOf('\r\n\r\n', pos, 'ascii');
    if (headerEnd < 0) throw new Error(`stray bytes at offset ${pos}: ${JSON.stringify(bytes.subarray(pos, pos + 40).toString())}`);
    const header = bytes.subarray(pos, headerEnd).toString('ascii');
    const m = /^Content-Length: (\d+)$/im.exec(header);
    if (!m || !/^(Content-(Length|Type): [^\r\n]+\r?\n?)+$/.test(header + '\n')) throw new Error(`bad header at offset ${pos}: ${JSON.stringify(header)}`);
    const len = Number(m[1]);
    const body = bytes.subarray(headerEnd + 4, headerEnd + 4 + len);
    if (body.length !== len) throw new Error(`truncated frame at offset ${pos}`);
    messages.push(JSON.parse(body.toString('utf8')));
    pos = headerEnd + 4 + len;
  }
  return messages;
}

/** The ResponseError a request fails with; fails the test if the request succeeds. */
export async function rpcError(p: Promise<unknown>): Promise<ResponseError<any>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, `expected a ResponseError, got ${e}`);
    return e;
  }
  assert.fail('the request succeeded but should have failed');
}
