import * as http2 from 'node:http2';

const { NGHTTP2_NO_ERROR } = http2.constants;

/** A stream as the HTTP/2 server announced it, waiting for its turn. */
export interface PendingStream {
  readonly stream: http2.ServerHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

export interface H2StreamLimits {
  /**
   * A connection whose client reset this many streams before they were answered, more than half of all the streams
   * it opened, is abusive (the HTTP/2 rapid-reset attack, CVE-2023-44487; Envoy's premature-reset rule); 0: no limit.
   */
  readonly maxPrematureResets: number;
  /**
   * The session's SETTINGS_MAX_CONCURRENT_STREAMS. More new streams than this in one read (one turn of the event
   * loop, before any could be answered) means the client reset streams as fast as it opened them: rapid reset. The
   * session is closed from inside that read, which stops nghttp2 from announcing the rest of it.
   */
  readonly maxConcurrentStreams: number;
}

/** Streams started per turn of the event loop, taken round-robin from the sessions that have some waiting. */
const STREAMS_PER_TURN = 64;

interface SessionState {
  readonly scheduler: H2StreamScheduler;
  readonly session: http2.ServerHttp2Session;
  readonly queue: PendingStream[];
  queued: boolean;
  streams: number;
  prematureResets: number;
  abusive: boolean;
  /** The scheduler turn in which `turnStreams` were announced. */
  turn: number;
  turnStreams: number;
}

/**
 * Starts the streams of every HTTP/2 session of a port, fairly. A new stream is not routed when nghttp2 announces
 * it but on a later turn of the event loop, in batches of STREAMS_PER_TURN taken one per session in turn:
 * - a stream its client reset meanwhile (a rapid-reset flood sends HEADERS and RST_STREAM together) is dropped
 *   before any routing or backend work;
 * - a connection that opens thousands of streams in one read cannot hold the event loop for more than one batch,
 *   and other connections' reads and the other sessions' streams get their turn in between.
 * It also counts each session's premature resets and reports a session that breaks H2StreamLimits.
 */
export class H2StreamScheduler {
  private readonly ready: SessionState[] = [];
  private scheduled = false;
  /** Counts the batches run: streams announced between two of them arrived in one turn of the event loop. */
  private turn = 0;

  constructor(
    private readonly limits: H2StreamLimits,
    private readonly start: (p: PendingStream) => void,
    private readonly onAbuse: (session: http2.ServerHttp2Session, reason: string) => void,
  ) {}

  /**
   * A stream nghttp2 announced on `session` (passed in: Node announces streams after the read that carried them, so
   * a stream already reset has lost its `session`).
   */
  public add(session: http2.ServerHttp2Session, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]): void {
    let st = (session as Tracked)[STATE];
    if (!st) {
      st = { scheduler: this, session, queue: [], queued: false, streams: 0, prematureResets: 0, abusive: false, turn: this.turn, turnStreams: 0 };
      (session as Tracked)[STATE] = st;
    }
    if (st.abusive) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (st.turn !== this.turn) {
      st.turn = this.turn;
      st.turnStreams = 0;
    }
    if (++st.turnStreams > this.limits.maxConcurrentStreams) {
      this.abusive(st, `${st.turnStreams} streams opened in one read with at most ${this.limits.maxConcurrentStreams} allowed open (rapid reset)`);
      return;
    }
    st.streams++;
    if (stream.closed || stream.destroyed) {
      // reset in the same read that opened it
      this.streamClosed(st, stream);
      return;
    }
    (stream as TrackedStream)[STATE] = st;
    stream.once('close', onStreamClose);
    st.queue.push({ stream, headers, rawHeaders });
    if (!st.queued) {
      st.queued = true;
      this.ready.push(st);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /** @internal a stream closed; a reset by the client before the answer started is premature. */
  public streamClosed(st: SessionState, stream: http2.ServerHttp2Stream): void {
    if (st.abusive || stream.rstCode === undefined || stream.rstCode === NGHTTP2_NO_ERROR || stream.headersSent) return;
    st.prematureResets++;
    const max = this.limits.maxPrematureResets;
    if (max > 0 && st.prematureResets >= max && st.prematureResets * 2 > st.streams) {
      this.abusive(st, `${st.prematureResets} of ${st.streams} streams reset by the client before their answer (rapid reset)`);
    }
  }

  private abusive(st: SessionState, reason: string): void {
    st.abusive = true;
    st.queue.length = 0;
    this.onAbuse(st.session, reason);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.turn++;
    let budget = STREAMS_PER_TURN;
    const ready = this.ready;
    while (budget > 0 && ready.length > 0) {
      const st = ready.shift()!;
      const p = st.queue.shift();
      if (p && !st.abusive && !p.stream.closed && !p.stream.destroyed) {
        budget--;
        this.start(p);
      }
      if (st.queue.length > 0) ready.push(st);
      else st.queued = false;
    }
    if (ready.length > 0) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };
}

const STATE = Symbol('h2-scheduler');
type Tracked = http2.ServerHttp2Session & { [STATE]?: SessionState };
type TrackedStream = http2.ServerHttp2Stream & { [STATE]?: SessionState };

/** `this` is the stream; one shared listener instead of a closure per stream. */
function onStreamClose(this: TrackedStream): void {
  const st = this[STATE];
  if (st) st.scheduler.streamClosed(st, this);
}
