/**
 * Evidence sealing (design §9): each file is streamed once, hashed as plaintext (SHA-256), encrypted with age
 * to the package's X25519 recipient, and hashed again as ciphertext, so memory stays flat whatever the size.
 * Encryption runs on Node's native ChaCha20-Poly1305 (age-stream.ts); decryption uses the age-encryption
 * library, and the reference `age` command decrypts the result with the package identity.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { ageEncryptStream } from './age-stream.ts';
import { HashWorker, inlineHash } from './hash-worker.ts';

export interface SealedFile {
  /** Plaintext size in bytes. */
  size: number;
  /** SHA-256 of the plaintext, hex. */
  sha256: string;
  cipherSize: number;
  /** SHA-256 of the ciphertext, hex. */
  cipherSha256: string;
}

/** A fresh age X25519 identity for one package, with its recipient. */
export async function newPackageIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The recipient (`age1…`) of an identity (`AGE-SECRET-KEY-1…`). */
export async function identityRecipient(identity: string): Promise<string> {
  return identityToRecipient(identity);
}

/** Below this size a file is hashed on the sealing thread; above it, on a worker (hash-worker.ts). */
const WORKER_THRESHOLD = 8 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

/** Seals the file at `input` into `output` for `recipient` (an `age1…` string). */
export async function sealFile(opts: {
  input: string;
  output: string;
  recipient: string;
}): Promise<SealedFile> {
  const read = () => createReadStream(opts.input, { highWaterMark: READ_CHUNK });
  const write = () => createWriteStream(opts.output, { highWaterMark: READ_CHUNK });
  if ((await stat(opts.input)).size < WORKER_THRESHOLD) {
    const plain = inlineHash();
    const cipher = inlineHash();
    await pipeline(read(), plain.stream, ageEncryptStream(opts.recipient), cipher.stream, write());
    const p = plain.digest();
    const c = cipher.digest();
    return { size: p.size, sha256: p.sha256, cipherSize: c.size, cipherSha256: c.sha256 };
  }
  const hashes = new HashWorker();
  try {
    await pipeline(
      read(),
      hashes.tap('plain'),
      ageEncryptStream(opts.recipient),
      hashes.tap('cipher'),
      write(),
    );
  } catch (e) {
    await hashes.close();
    throw e;
  }
  const d = await hashes.digests();
  return {
    size: d.plain!.size,
    sha256: d.plain!.sha256,
    cipherSize: d.cipher!.size,
    cipherSha256: d.cipher!.sha256,
  };
}

/** Why opening a sealed file failed. */
export class SealError extends Error {}

/**
 * Decrypts `input` into `output` with the package identity and checks the plaintext against the expected
 * hash. On any mismatch the output is left incomplete and an error says why; callers delete it.
 */
export async function openFile(opts: {
  input: string;
  output: string;
  identity: string;
  expectSha256?: string;
  expectCipherSha256?: string;
}): Promise<{ size: number; sha256: string }> {
  if (opts.expectCipherSha256 && (await hashFile(opts.input)) !== opts.expectCipherSha256)
    throw new SealError('the sealed file does not match the ciphertext hash in the manifest');
  const decrypter = new Decrypter();
  decrypter.addIdentity(opts.identity);
  const plain = inlineHash();
  let decrypted: ReadableStream<Uint8Array>;
  try {
    decrypted = (await decrypter.decrypt(
      Readable.toWeb(createReadStream(opts.input)) as unknown as ReadableStream<Uint8Array>,
    )) as ReadableStream<Uint8Array>;
    await pipeline(
      Readable.fromWeb(decrypted as unknown as WebReadableStream<Uint8Array>),
      plain.stream,
      createWriteStream(opts.output),
    );
  } catch (e) {
    throw new SealError(
      `the sealed file cannot be decrypted with this package's identity: ${(e as Error).message}`,
    );
  }
  const result = plain.digest();
  if (opts.expectSha256 && result.sha256 !== opts.expectSha256)
    throw new SealError('the decrypted file does not match the plaintext hash in the manifest');
  return result;
}

/** SHA-256 (hex) of a file, streamed in 1 MiB reads; `onBytes` hears each chunk's length (progress bars). */
export async function hashFile(path: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

/** The size of a file on disk. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
