import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/src/version.js -> ../../package.json; src/version.ts is never run directly.
const pkg = require('../../package.json') as { version: string };

/** The backend's release version (package.json). */
export const BACKEND_VERSION: string = pkg.version;

/**
 * The RPC protocol version. The PowerShell module refuses a backend whose major differs.
 * Bump the minor for added methods, the major for changed or removed ones.
 */
export const PROTOCOL_VERSION = '1.0';
