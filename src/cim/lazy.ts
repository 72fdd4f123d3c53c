// The CIM library as the CLI and RPC shells use it, loaded on the first call rather than when
// the process starts (the backend's cold start). Importing this file loads nothing else.

export async function loadCimLibrary() {
  const [image, extract, inspect] = await Promise.all([import('./image.js'), import('./extract.js'), import('./inspect.js')]);
  return { ...image, ...extract, ...inspect };
}

export type CimLibrary = Awaited<ReturnType<typeof loadCimLibrary>>;
