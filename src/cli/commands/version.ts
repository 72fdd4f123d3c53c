import type { Argv, CommandModule } from 'yargs';
import { BACKEND_VERSION, PROTOCOL_VERSION } from '../../version.js';
import { activePlatform } from '../../platform/active.js';

interface VersionArgs {
  json: boolean;
}

export const versionCommand: CommandModule<object, VersionArgs> = {
  command: 'version',
  describe: 'Show the backend, protocol and Node.js versions',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print as JSON' }) as Argv<VersionArgs>,
  handler: (args) => {
    const info = {
      backendVersion: BACKEND_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      node: process.version,
      platform: activePlatform().name,
      os: `${process.platform}-${process.arch}`,
    };
    if (args.json) console.log(JSON.stringify(info));
    else console.log(`wclayer ${info.backendVersion} (protocol ${info.protocolVersion}, node ${info.node}, ${info.os}, ${info.platform} platform)`);
  },
};
