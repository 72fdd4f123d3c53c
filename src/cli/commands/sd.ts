// `wclayer sd`: security descriptors between their binary form (as in MSWINDOWS.rawsd and
// BACKUP_SECURITY_DATA) and SDDL, without Windows.

import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { fromNodeError, invalidArgument, isWcError } from '../../errors.js';

// Libraries load when a command runs, not when `wclayer` starts (serve's cold start).
const backupLib = () => import('../../formats/backup/index.js');

interface DecodeArgs {
  input: string;
  json: boolean;
}

interface EncodeArgs {
  sddl: string;
  hex: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `@path` reads raw descriptor bytes from a file; anything else is base64. */
async function readDescriptor(input: string): Promise<Uint8Array> {
  if (input.startsWith('@')) {
    const path = input.slice(1);
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      throw fromNodeError(e, path);
    }
  }
  const text = input.replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw invalidArgument(`not base64 (pass @file for raw bytes): ${input.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode <input>',
  describe: 'Print a self-relative security descriptor as SDDL (or its structure with --json)',
  builder: (y: Argv) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'base64 of the descriptor (as in MSWINDOWS.rawsd), or @file with its raw bytes' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the parsed structure as JSON (with "sddl" when it has one)' })
      .example('$0 sd decode AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==', 'prints O:BUG:BU')
      .example('$0 sd decode @sd.bin --json', 'owner, group, ACEs with SIDs, masks and flags') as Argv<DecodeArgs>,
  handler: async (args) => {
    const { parseSecurityDescriptor, formatSddl, securityDescriptorToJson } = await backupLib();
    const sd = parseSecurityDescriptor(await readDescriptor(args.input));
    if (!args.json) {
      console.log(formatSddl(sd));
      return;
    }
    let sddl: string | undefined;
    try {
      sddl = formatSddl(sd);
    } catch (e) {
      if (!isWcError(e) || e.code !== 'Unsupported') throw e;
    }
    console.log(JSON.stringify({ ...(sddl !== undefined ? { sddl } : {}), ...securityDescriptorToJson(sd) }, null, 2));
  },
};

const encodeCommand: CommandModule<object, EncodeArgs> = {
  command: 'encode <sddl>',
  describe: 'Build a self-relative security descriptor from SDDL and print it as base64',
  builder: (y: Argv) =>
    y
      .positional('sddl', { type: 'string', demandOption: true, describe: 'SDDL, e.g. "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"' })
      .option('hex', { type: 'boolean', default: false, describe: 'Print hex instead of base64' })
      .example('$0 sd encode "O:BUG:BU"', 'the 52-byte descriptor many Linux-built Windows layers carry')
      .example('$0 sd encode "D:PAI(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"', 'a protected DACL') as Argv<EncodeArgs>,
  handler: async (args) => {
    const bytes = (await backupLib()).sddlToSd(args.sddl);
    console.log(Buffer.from(bytes).toString(args.hex ? 'hex' : 'base64'));
  },
};

export const sdCommand: CommandModule = {
  command: 'sd <command>',
  describe: 'Security descriptors: binary (MSWINDOWS.rawsd) <-> SDDL',
  builder: (y: Argv) => y.command(decodeCommand as never).command(encodeCommand as never).demandCommand(1, 'Name a subcommand: decode or encode.'),
  handler: () => undefined,
};
