import type { UpstreamConnection } from '../upstream/sink';

/** Request bodies up to this size are kept so that a retry can resend them. */
const MAX_REPLAY_BYTES = 64 * 1024;
/** Body buffered while no upstream connection is ready, before reading from the client pauses. */
export const MAX_PENDING_BYTES = 256 * 1024;

/** What `RequestBody.add` did with a chunk. */
export const BodyChunk = {
  /** Written to the attempt's connection. */
  SENT: 0,
  /** Written, and the connection is congested: stop reading from the client until it drains. */
  CONGESTED: 1,
  /** Kept until a connection is ready (or an ExternalAuth check takes the body). */
  BUFFERED: 2,
} as const;
export type BodyChunk = (typeof BodyChunk)[keyof typeof BodyChunk];

/**
 * The body of a request that has one, between the client and the attempts at the backend: written through to the
 * connection of the attempt in flight, buffered while there is none, and kept whole while it is at most
 * MAX_REPLAY_BYTES so that a retry (or a transparent re-send) can send it again. A larger body cannot be retried.
 */
export class RequestBody {
  /** Chunks kept: all of them while the body is replayable, else only those no connection got yet. */
  private chunks: Buffer[] = [];
  /** How many of `chunks` the current attempt's connection got. */
  private written = 0;
  private bytes = 0;
  /** Bytes buffered while no connection was ready. */
  public pendingBytes = 0;
  /** The whole body is kept: a retry can send it again. */
  public replayable = true;

  /** A chunk from the client; `conn` is the connection of the attempt in flight, if it is ready. */
  public add(chunk: Buffer, conn: UpstreamConnection | null, chunked: boolean): BodyChunk {
    if (this.replayable) {
      this.bytes += chunk.length;
      if (this.bytes > MAX_REPLAY_BYTES) this.replayable = false;
    }
    if (conn && this.written === this.chunks.length) {
      // connected and nothing queued
      if (this.replayable) {
        this.chunks.push(chunk);
        this.written++;
      }
      return conn.writeBody(chunk, chunked) ? BodyChunk.SENT : BodyChunk.CONGESTED;
    }
    this.chunks.push(chunk);
    this.pendingBytes += chunk.length;
    return BodyChunk.BUFFERED;
  }

  /** A new attempt's connection is ready: what was kept goes out (and is dropped when it cannot be replayed anyway). */
  public sendKept(conn: UpstreamConnection, chunked: boolean): void {
    const chunks = this.chunks;
    for (let i = 0; i < chunks.length; i++) conn.writeBody(chunks[i], chunked);
    this.written = chunks.length;
    if (!this.replayable) {
      this.chunks = [];
      this.written = 0;
    }
    this.pendingBytes = 0;
  }

  /** The connection has everything kept so far (so the end of the body may follow). */
  public get allSent(): boolean {
    return this.written === this.chunks.length;
  }

  /** The body received so far, in one buffer (for an ExternalAuth check that forwards it). */
  public concat(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The chunks received so far, for a mirror that starts late (after an ExternalAuth check). */
  public get kept(): readonly Buffer[] {
    return this.chunks;
  }
}
