/** Key, certificate and CSR files named by the user, read within the bounds of util/bounded-read. */
import { readMaterial, type ReadOptions } from '../pki/read.js';
import type { Material } from '../pki/types.js';
import { INPUT_CAPS, readBoundedFile } from '../util/bounded-read.js';

export async function readInputFile(
  path: string,
  kind: 'key' | 'certificate',
  opts: ReadOptions = {},
): Promise<Material> {
  const what = kind === 'key' ? 'the key file' : 'the file';
  return readMaterial(await readBoundedFile(path, what, INPUT_CAPS[kind]), path, opts);
}
