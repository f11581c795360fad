import type * as net from 'node:net';
import type { GatewayErrorCode } from '../errors';

/**
 * What an upstream request reports to (the exchange that is proxying, or a mirror that discards).
 * Implemented as methods on long-lived objects: the hot path creates no closures per request.
 */
export interface UpstreamSink {
  /** The request was HEAD: the response has no body whatever its headers say. */
  readonly upstreamHeadRequest: boolean;
  /** A connection (or h2 stream) is ready for this request's head and body. */
  onUpstreamConnection(conn: UpstreamConnection): void;
  /** Interim 1xx (not 101) response. */
  onUpstreamInterim(status: number, headers: string[]): void;
  /**
   * Response head; `headers` is the flat [name, value, ...] list as received. `endStream`: an HTTP/2 backend
   * ended the stream with these headers (no body, no trailers: a gRPC trailers-only response).
   */
  onUpstreamHead(status: number, reason: string, headers: string[], endStream?: boolean): void;
  onUpstreamBody(chunk: Buffer): void;
  /** The bytes read so far are processed: whatever was held back for coalescing must go out now. */
  onUpstreamFlush(): void;
  /** `trailers` is a flat list (h2 backends only). */
  onUpstreamEnd(trailers?: string[]): void;
  /**
   * The attempt failed. `nothingSent` is true when the backend cannot have seen the request
   * (connect failure, or a reused keep-alive connection closed before any response byte).
   */
  onUpstreamError(code: GatewayErrorCode, detail: string, nothingSent: boolean): void;
  /** The upstream accepts more request body (after a write returned false). */
  onUpstreamDrain(): void;
  /**
   * The backend answered 101 Switching Protocols: the connection is now a raw tunnel (`head` holds the
   * bytes that followed the response head). Only requests sent with Upgrade get this.
   */
  onUpstreamUpgrade(status: number, reason: string, headers: string[], socket: net.Socket, head: Buffer): void;
}

/** An HTTP/2 request head as a flat [name, value, ...] list: pseudo-headers first, lower-case names. */
export type H2HeadList = readonly string[];

/** A request head: HTTP/1.1 serialised (for connections with `http2` false), HTTP/2 as a flat list. */
export type UpstreamHead = string | H2HeadList;

/** One attempt's transport: an HTTP/1.1 keep-alive connection or an HTTP/2 stream. */
export interface UpstreamConnection {
  /** HTTP/1.1: a pre-serialised head. */
  readonly http2: boolean;
  /** Writes the head (and an optional first body part). Returns false under backpressure. */
  writeHead(head: UpstreamHead, endStream: boolean): boolean;
  /** Body bytes; `chunked` frames them for HTTP/1.1 Transfer-Encoding: chunked. */
  writeBody(chunk: Buffer, chunked: boolean): boolean;
  endBody(chunked: boolean): void;
  /** Stop delivering response body (downstream backpressure) / resume. */
  pause(): void;
  resume(): void;
  /** Abandon the attempt (client went away, timeout, retry): the connection is closed, never reused. */
  abort(): void;
}
