import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TrainerError } from '../errors.js';
import { writeFileAtomic } from '../run/fs.js';

/** Magic of the current format (2): header and data are covered by a SHA-256 trailer. */
const MAGIC = 'BURNCKP2';
/** Magic of format 1 (no checksum); still read. */
const MAGIC_V1 = 'BURNCKP1';
/** Format version written into the header of new checkpoints. */
export const CHECKPOINT_VERSION = 2;
const HASH_BYTES = 32;
const DTYPES = new Set(['float32', 'int32']);

/** Error reading a checkpoint file (missing, truncated, damaged or of another format). */
export class CheckpointError extends TrainerError {
  override name = 'CheckpointError';
}

/** One named float32 array of a checkpoint. */
export interface CheckpointTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** A checkpoint: JSON metadata plus named tensors. */
export interface Checkpoint<M = Record<string, unknown>> {
  meta: M;
  tensors: CheckpointTensor[];
}

/**
 * Writes a checkpoint atomically (temp file in the same folder, fsync, rename, fsync of the
 * folder), so a crash at any moment leaves either the old or the new complete file. Layout
 * (format 2): 8-byte magic `BURNCKP2`, uint32 LE header length, UTF-8 JSON header
 * `{version, meta, tensors: [{name, shape, dtype}]}`, the raw little-endian tensor data, then
 * the SHA-256 of all preceding bytes.
 */
export function writeCheckpoint(file: string, ckpt: Checkpoint<unknown>): void {
  const index = ckpt.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype }));
  const header = Buffer.from(
    JSON.stringify({ version: CHECKPOINT_VERSION, meta: ckpt.meta, tensors: index }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const chunks: Uint8Array[] = [Buffer.from(MAGIC, 'ascii'), len, header];
  for (const t of ckpt.tensors)
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  chunks.push(hash.digest());
  writeFileAtomic(file, chunks);
}

function fail(file: string, what: string): never {
  throw new CheckpointError(
    `checkpoint ${file} ${what}; it cannot be used: resume from another checkpoint or start a fresh --out`,
  );
}

function checkIndex(file: string, tensors: unknown): CheckpointTensor[] {
  if (!Array.isArray(tensors)) fail(file, "has a bad header: 'tensors' is not a list");
  const names = new Set<string>();
  return tensors.map((t, i) => {
    const e = t as Partial<CheckpointTensor>;
    if (typeof e?.name !== 'string' || e.name === '' || names.has(e.name))
      fail(file, `has a bad header: tensor #${i} has a missing or duplicate name`);
    names.add(e.name);
    if (
      !Array.isArray(e.shape) ||
      e.shape.length > 8 ||
      !e.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 2 ** 31)
    )
      fail(file, `has a bad header: tensor '${e.name}' has shape ${JSON.stringify(e.shape)}`);
    if (!DTYPES.has(e.dtype as string))
      fail(file, `has a bad header: tensor '${e.name}' has dtype ${JSON.stringify(e.dtype)}`);
    return e as CheckpointTensor;
  });
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint} (format 2, checksum verified) or by
 * an earlier version (format 1, no checksum). Throws {@link CheckpointError} naming the file
 * when it is missing, truncated, has trailing bytes, a checksum mismatch or a bad header.
 */
export function readCheckpoint<M = Record<string, unknown>>(file: string): Checkpoint<M> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      `cannot read checkpoint ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  const magic = buf.length >= 12 ? buf.toString('ascii', 0, 8) : '';
  if (magic !== MAGIC && magic !== MAGIC_V1) fail(file, 'is not a burnin checkpoint');
  const v2 = magic === MAGIC;
  const end = v2 ? buf.length - HASH_BYTES : buf.length;
  if (end < 12) fail(file, 'is truncated');
  if (v2) {
    const want = createHash('sha256').update(buf.subarray(0, end)).digest();
    if (!want.equals(buf.subarray(end)))
      fail(file, 'is damaged (checksum mismatch: truncated or modified)');
  }
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > end) fail(file, 'is truncated');
  let header: { version?: unknown; meta?: M; tensors?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
  } catch (e) {
    fail(file, `has a header that is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object') fail(file, 'has a bad header');
  if (v2 && header.version !== CHECKPOINT_VERSION)
    fail(
      file,
      `has format version ${JSON.stringify(header.version)}, expected ${CHECKPOINT_VERSION}`,
    );
  if (header.meta === null || typeof header.meta !== 'object')
    fail(file, "has a bad header: 'meta' is missing");
  const index = checkIndex(file, header.tensors);
  let off = 12 + hlen;
  const tensors: CheckpointTensor[] = index.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const bytes = n * 4;
    if (off + bytes > end) fail(file, 'is truncated');
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(off, off + bytes));
    off += bytes;
    const data = t.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { name: t.name, shape: t.shape, dtype: t.dtype, data };
  });
  if (off !== end) fail(file, `has ${end - off} unexpected bytes after the tensor data`);
  return { meta: header.meta, tensors };
}
