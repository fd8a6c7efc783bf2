/**
 * SHA-256 of a stream on a second core. Sealing a file hashes every byte twice (plaintext and ciphertext) and
 * encrypts it once; on one thread the three take turns. Here the main thread encrypts while a worker thread
 * hashes the same bytes, so sealing runs about as fast as the slower of the two halves. The bytes travel
 * through one shared ring buffer (copied in once, nothing allocated per chunk), so memory stays flat: a
 * writer that gets a ring's length ahead of the worker waits.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

const RING_BYTES = 8 * 1024 * 1024;

// Plain CommonJS, evaluated as is: the worker must not depend on how the main program loads TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.digest) {
    const out = {};
    for (const [name, h] of hashes) out[name] = { sha256: h.hash.digest('hex'), size: h.size };
    parentPort.postMessage({ digests: out });
    return;
  }
  let h = hashes.get(m.name);
  if (!h) hashes.set(m.name, (h = { hash: createHash('sha256'), size: 0 }));
  h.hash.update(ring.subarray(m.start, m.start + m.length));
  h.size += m.length;
  parentPort.postMessage({ ack: m.length });
});
`;

export interface Digest {
  sha256: string;
  size: number;
}

/** Hashes several named streams in one worker thread. */
export class HashWorker {
  private readonly ring = new SharedArrayBuffer(RING_BYTES);
  private readonly view = new Uint8Array(this.ring);
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.ring } });
  /** Where the next byte goes, and how many bytes the worker has not hashed yet. */
  private head = 0;
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  private result: ((d: Record<string, Digest>) => void) | null = null;
  private failure: Error | null = null;

  constructor() {
    this.worker.on('message', (m: { ack?: number; digests?: Record<string, Digest> }) => {
      if (m.ack !== undefined) {
        this.inFlight -= m.ack;
        for (const w of this.waiting.splice(0)) w();
      } else if (m.digests) this.result?.(m.digests);
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w();
    });
  }

  /**
   * Copies `data` into the ring (in pieces, if it wraps or is large) and asks the worker to hash it. Two taps
   * share the ring, so each piece is placed only after checking, without an await in between, that it fits.
   */
  private async send(name: string, data: Buffer): Promise<void> {
    for (let offset = 0; offset < data.length; ) {
      if (this.failure) throw this.failure;
      const length = Math.min(data.length - offset, RING_BYTES - this.head, RING_BYTES / 2);
      if (RING_BYTES - this.inFlight < length) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      this.view.set(data.subarray(offset, offset + length), this.head);
      this.worker.postMessage({ name, start: this.head, length });
      this.inFlight += length;
      this.head = (this.head + length) % RING_BYTES;
      offset += length;
    }
  }

  /** A pass-through stream whose bytes are hashed as `name`. */
  tap(name: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, done: TransformCallback) => {
        this.send(name, chunk).then(
          () => done(null, chunk),
          (e: Error) => done(e),
        );
      },
    });
  }

  /** The digests of every tapped stream; ends the worker. */
  async digests(): Promise<Record<string, Digest>> {
    try {
      if (this.failure) throw this.failure;
      const answer = new Promise<Record<string, Digest>>((resolve) => {
        this.result = resolve;
      });
      this.worker.postMessage({ digest: true });
      return await answer;
    } finally {
      await this.worker.terminate();
    }
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The same on the current thread, for small inputs where starting a worker costs more than it saves. */
export function inlineHash(): { stream: Transform; digest: () => Digest } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), size }) };
}
