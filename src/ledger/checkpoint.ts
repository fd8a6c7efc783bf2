/**
 * C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint): a signed note whose text is the log's
 * origin, its tree size and its RFC 6962 root hash, one per line, then optional extension lines.
 */
import { type NoteSignature, type NoteSigner, type NoteVerifier, openNote, signNote } from './note.ts';

/** A log's tree head as a checkpoint carries it. */
export type Checkpoint = { origin: string; size: number; rootHash: Uint8Array; extensions?: string[] };

// A line may hold no newline and, being note text (signed-note "Format"), no other control character.
const hasBadChar = (line: string) => [...line].some((ch) => ch.charCodeAt(0) < 0x20);

function checkLine(what: string, line: string): void {
  if (line === '') throw new Error(`checkpoint ${what} must not be empty`);
  if (hasBadChar(line)) throw new Error(`checkpoint ${what} must not contain a newline or control character`);
}

/** The checkpoint note text: "<origin>\n<size>\n<base64 root>\n" and one line per extension. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  checkLine('origin', origin);
  if (!Number.isSafeInteger(size) || size < 0)
    throw new Error('checkpoint size must be a non-negative integer');
  if (rootHash.length !== 32)
    throw new Error(`checkpoint root hash must be 32 bytes, not ${rootHash.length}`);
  for (const ext of extensions) checkLine('extension line', ext);
  const lines = [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions];
  return lines.map((l) => `${l}\n`).join('');
}

/** Parses checkpoint note text strictly (tlog-checkpoint "Note text"); throws a readable Error. */
export function parseCheckpoint(text: string): Required<Checkpoint> {
  if (!text.endsWith('\n')) throw new Error('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('checkpoint needs origin, size and root hash lines');
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = lines;
  checkLine('origin', origin);
  // "ASCII decimal ... with no leading zeroes (unless the tree is empty)".
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine))
    throw new Error(`checkpoint size ${JSON.stringify(sizeLine)} is invalid`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new Error(`checkpoint size ${sizeLine} is too large`);
  const rootHash = Buffer.from(rootLine, 'base64');
  // Round-tripping rejects anything but the canonical 44-character standard base64 of 32 bytes.
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootLine) {
    throw new Error('checkpoint root hash must be the base64 of 32 bytes');
  }
  for (const ext of extensions) checkLine('extension line', ext);
  return { origin, size, rootHash: new Uint8Array(rootHash), extensions };
}

/** Signs a checkpoint as a note with the log's key (whose name SHOULD be the origin). */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), [signer]);
}

/** Opens a signed checkpoint: the note's signatures (see openNote for what to require) and the parsed text. */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: NoteVerifier[],
): { checkpoint: Required<Checkpoint>; signatures: NoteSignature[] } {
  const { text, signatures } = openNote(note, verifiers);
  return { checkpoint: parseCheckpoint(text), signatures };
}
