import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

const MAGIC = 'BURNCKP1';

/** Error reading a checkpoint file (missing, truncated or of another format). */
export class CheckpointError extends Error {
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
 * Writes a checkpoint atomically: to `file.tmp-<pid>`, fsync, then rename over `file`, so a
 * crash at any moment leaves either the old or the new complete file. Layout: 8-byte magic,
 * uint32 LE header length, UTF-8 JSON header, then the raw little-endian tensor data.
 */
export function writeCheckpoint(file: string, ckpt: Checkpoint<unknown>): void {
  const index = ckpt.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype }));
  const header = Buffer.from(JSON.stringify({ meta: ckpt.meta, tensors: index }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, Buffer.from(MAGIC, 'ascii'));
    writeSync(fd, len);
    writeSync(fd, header);
    for (const t of ckpt.tensors) {
      writeSync(fd, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Reads a checkpoint written by {@link writeCheckpoint}. */
export function readCheckpoint<M = Record<string, unknown>>(file: string): Checkpoint<M> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${file}: ${(e as Error).message}`);
  }
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC)
    throw new CheckpointError(`${file} is not a burnin checkpoint`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new CheckpointError(`${file} is truncated`);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as {
    meta: M;
    tensors: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
  };
  let off = 12 + hlen;
  const tensors: CheckpointTensor[] = header.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const bytes = n * 4;
    if (off + bytes > buf.length) throw new CheckpointError(`${file} is truncated`);
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(off, off + bytes));
    off += bytes;
    const data = t.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { ...t, data };
  });
  return { meta: header.meta, tensors };
}
