/**
 * The wire format of C2SP tlog-witness (https://c2sp.org/tlog-witness) `add-checkpoint`: the body a log sends
 * (an old size line, up to 63 consistency proof lines, a blank line, the signed checkpoint) and the witness's
 * answers (cosignature lines on success; on a size mismatch, its own size as `text/x.tlog.size`). Pure.
 */

/** The spec's limit on consistency proof lines. */
export const MAX_PROOF_LINES = 63;
/** The media type of a 409 answer: the witness's size for the origin, in decimal, and a newline. */
export const TLOG_SIZE_TYPE = 'text/x.tlog.size';

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** One hash in standard base64 (RFC 4648 §4), exactly 32 bytes, canonical; or null. */
function hash32(line: string): Uint8Array | null {
  const bytes = Buffer.from(line, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === line ? new Uint8Array(bytes) : null;
}

/** A non-negative decimal with no leading zeroes, as a safe integer; or null. */
export function parseSize(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** The add-checkpoint request body. `checkpoint` is the signed note, ending in its last signature's newline. */
export function formatAddCheckpoint(oldSize: number, proof: Uint8Array[], checkpoint: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0)
    throw new Error('the old size is a non-negative integer');
  if (proof.length > MAX_PROOF_LINES)
    throw new Error(`a consistency proof has at most ${MAX_PROOF_LINES} hashes`);
  if (oldSize === 0 && proof.length > 0) throw new Error('no consistency proof goes with an old size of 0');
  const lines = [`old ${oldSize}`, ...proof.map((h) => Buffer.from(h).toString('base64'))];
  return `${lines.map((l) => `${l}\n`).join('')}\n${checkpoint}`;
}

/** What `parseAddCheckpoint` found wrong: the spec answers a malformed request with 400. */
export class MalformedRequest extends Error {}

/**
 * Parses an add-checkpoint body strictly; throws MalformedRequest. The checkpoint is returned as sent (the note's
 * own rules are checked when it is opened).
 */
export function parseAddCheckpoint(body: string): {
  oldSize: number;
  proof: Uint8Array[];
  checkpoint: string;
} {
  const blank = body.indexOf('\n\n');
  if (blank < 0)
    throw new MalformedRequest('no blank line between the old size and proof and the checkpoint');
  const head = body.slice(0, blank).split('\n');
  const checkpoint = body.slice(blank + 2);
  const sizeLine = head[0] ?? '';
  if (!sizeLine.startsWith('old ')) throw new MalformedRequest('the first line is not "old <size>"');
  const oldSize = parseSize(sizeLine.slice(4));
  if (oldSize === null)
    throw new MalformedRequest(`the old size ${JSON.stringify(sizeLine.slice(4))} is invalid`);
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_PROOF_LINES)
    throw new MalformedRequest(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((line, i) => {
    const hash = hash32(line);
    if (!hash) throw new MalformedRequest(`consistency proof line ${i + 1} is not the base64 of 32 bytes`);
    return hash;
  });
  if (checkpoint === '') throw new MalformedRequest('no checkpoint after the blank line');
  return { oldSize, proof, checkpoint };
}

/** The body of a 409 answer. */
export const formatTlogSize = (size: number) => `${size}\n`;
