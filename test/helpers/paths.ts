// Locations the tests need, resolved from the compiled file (dist/test/helpers/paths.js).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
export const sharedDir = join(repoRoot, '..', 'shared');
export const hivesDir = join(sharedDir, 'testdata', 'hives');
