// Hives built by our writer for tests that need a shape the corpus lacks.

import { writeHive } from '../../src/formats/regf/writer.js';

/** A SOFTWARE-shaped hive with Microsoft\\Windows NT\\CurrentVersion (the corpus has no real SOFTWARE hive). */
export function softwareHive(build = '20348', ubr = 2113): Uint8Array {
  return writeHive({
    name: 'ROOT',
    subkeys: [
      {
        name: 'Microsoft',
        subkeys: [
          {
            name: 'Windows NT',
            subkeys: [
              {
                name: 'CurrentVersion',
                values: [
                  { name: 'CurrentBuild', data: build },
                  { name: 'CurrentBuildNumber', data: build },
                  { name: 'UBR', data: ubr },
                  { name: 'ProductName', data: 'Windows Server 2022 Datacenter' },
                  { name: 'EditionID', data: 'ServerDatacenter' },
                  { name: 'DisplayVersion', data: '21H2' },
                  { name: 'CurrentMajorVersionNumber', data: 10 },
                  { name: 'CurrentMinorVersionNumber', data: 0 },
                  { name: 'CurrentVersion', data: '6.3' },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

