/**
 * SHA-256 of a local file, with a progress bar: what `evidence add` announces and `evidence open` checks against
 * the manifest.
 */
import { basename } from 'node:path';
import { hashFile } from '../../evidence/seal.ts';
import { byteProgress } from '../progress.ts';

export async function sha256Of(path: string, size: number): Promise<string> {
  const bar = byteProgress(`hashing ${basename(path)}`, size);
  let done = 0;
  try {
    return await hashFile(path, (n) => {
      done += n;
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
}
