// Windows-looking names for sample layers: a fixed skeleton of well-known folders plus
// generated component, vendor and file names.

import type { Rng } from './random.js';

/** Folders of a Windows base image, parents before children (under Files/). */
export const BASE_SKELETON = [
  'Program Files',
  'Program Files/Common Files',
  'Program Files/WindowsPowerShell',
  'Program Files (x86)',
  'ProgramData',
  'ProgramData/Microsoft',
  'Users',
  'Users/Default',
  'Users/Public',
  'Windows',
  'Windows/Fonts',
  'Windows/INF',
  'Windows/Logs',
  'Windows/servicing',
  'Windows/servicing/Packages',
  'Windows/SysWOW64',
  'Windows/System32',
  'Windows/System32/config',
  'Windows/System32/drivers',
  'Windows/System32/drivers/etc',
  'Windows/System32/en-US',
  'Windows/System32/WindowsPowerShell',
  'Windows/Temp',
  'Windows/WinSxS',
];

/** Folders a child (application) layer typically touches. */
export const CHILD_SKELETON = [
  'app',
  'Program Files',
  'ProgramData',
  'ProgramData/Microsoft',
  'Users',
  'Users/ContainerAdministrator',
  'Users/ContainerAdministrator/AppData',
  'Windows',
  'Windows/Logs',
  'Windows/System32',
  'Windows/Temp',
];

const SYLLABLES = ['win', 'sys', 'net', 'core', 'shell', 'crypt', 'user', 'kern', 'ms', 'base', 'svc', 'host', 'api', 'ui', 'wmi', 'rpc', 'dx', 'hid', 'ole', 'com', 'ntfs', 'tcp', 'http', 'cfg', 'mgr', 'log', 'data', 'res', 'sec', 'auth'];
const EXTENSIONS = ['dll', 'dll', 'dll', 'exe', 'sys', 'mui', 'mum', 'cat', 'manifest', 'xml', 'ini', 'dat', 'ttf', 'nls', 'json', 'txt', 'ps1', 'config', 'etl', 'cab'];
const WORDS = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Adatum', 'Litware', 'Proseware', 'Wingtip', 'Data', 'Tools', 'Runtime', 'Agent', 'Service', 'Cache', 'Shared', 'Modules', 'Assets', 'Drivers', 'Updates', 'Logs'];
const KNOWN_FILES = ['kernel32.dll', 'ntdll.dll', 'cmd.exe', 'notepad.exe', 'user32.dll', 'advapi32.dll', 'services.exe', 'lsass.exe', 'svchost.exe', 'powershell.exe', 'hosts', 'win.ini', 'system.ini', 'ole32.dll', 'combase.dll'];

export function fileName(rng: Rng, known: boolean): string {
  if (known && rng.chance(0.3)) return rng.pick(KNOWN_FILES);
  let stem = '';
  const parts = rng.int(1, 3);
  for (let i = 0; i < parts; i++) stem += rng.pick(SYLLABLES);
  if (rng.chance(0.2)) stem += String(rng.int(2, 64));
  if (rng.chance(0.15)) stem = stem[0]!.toUpperCase() + stem.slice(1);
  return `${stem}.${rng.pick(EXTENSIONS)}`;
}

export function dirName(rng: Rng, parent: string): string {
  if (parent.endsWith('WinSxS')) {
    const hex = Array.from({ length: 4 }, () => rng.u32().toString(16).padStart(8, '0')).join('').slice(0, 16);
    return `amd64_microsoft-windows-${rng.pick(SYLLABLES)}-${rng.pick(SYLLABLES)}_31bf3856ad364e35_10.0.${rng.pick([17763, 20348, 26100])}.${rng.int(1, 6000)}_none_${hex}`;
  }
  if (parent.endsWith('Program Files') || parent.endsWith('Program Files (x86)')) return `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  if (rng.chance(0.5)) return rng.pick(WORDS) + (rng.chance(0.3) ? String(rng.int(1, 99)) : '');
  return rng.pick(SYLLABLES) + rng.pick(SYLLABLES);
}
