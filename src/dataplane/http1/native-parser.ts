/**
 * Node's own llhttp binding (the C parser behind node:http), used directly so that an HTTP/1.1 request
 * costs one native parse and a handful of callbacks instead of node:http's IncomingMessage/ServerResponse
 * machinery. It is strict by default: Content-Length with Transfer-Encoding, duplicate Content-Length,
 * bad chunk sizes, bare CR/LF and oversize headers are all parse errors (request smuggling defences).
 *
 * `_http_common` is undocumented but stable across Node 20..24 (node:http itself is built on it); native-support.ts
 * checks it at start and the data plane falls back to node:http when it differs.
 */
import { HttpCommon, nativeHttpSupport } from './native-support';

export interface NativeParser {
  /** Our back-reference for the module-level callbacks (which receive the parser as `this`). */
  owner: ParserOwner | null;
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes consumed, or an Error with `code` (HPE_*) and `bytesParsed`. */
  execute(data: Buffer): number | ParseError;
  finish(): number | ParseError | undefined;
  close(): void;
  free(): void;
  remove(): void;
  pause(): void;
  resume(): void;
  /** Parse straight from a stream handle in C++ (no 'data' events); results arrive through parserExecute. */
  consume(handle: unknown): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  [slot: number]: unknown;
}

export interface ParseError extends Error {
  code: string;
  bytesParsed: number;
}

/** Implemented by the server connection (requests) and the upstream connection (responses). */
export interface ParserOwner {
  /** Headers that did not fit into one native flush (more than 32 pairs, or split across reads). */
  parserHeaders(headers: string[], url: string): void;
  /** Returns 1 to tell the parser that the message has no body (responses to HEAD), else 0. */
  parserHeadersComplete(
    versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number, url: string | undefined,
    statusCode: number, statusMessage: string | undefined, upgrade: boolean, shouldKeepAlive: boolean,
  ): number;
  parserBody(chunk: Buffer): void;
  parserMessageComplete(): void;
  /** After each read of a consumed handle: bytes parsed, or the parse error. */
  parserExecute?(ret: number | ParseError): void;
}

// Checked at first use (native-support.ts): when the internal is missing or changed, `common` is a stand-in that
// is never used to parse (the ports and pools serve through node:http instead).
const support = nativeHttpSupport();
const common: HttpCommon = support.common ?? ({ HTTPParser: { REQUEST: 1, RESPONSE: 2 }, methods: [] } as unknown as HttpCommon);
const { HTTPParser } = common;

/** Method names indexed by the parser's method number. */
export const METHODS: readonly string[] = common.methods;
export const REQUEST = HTTPParser.REQUEST;
/**
 * llhttp's only leniency we use, on requests: any single-digit version number parses (strict llhttp refuses
 * `HTTP/3.0` with a plain parse error and lets `HTTP/2.0` through); the server connection then answers 505 or 400
 * itself (see request-checks.ts).
 */
export const LENIENT_VERSION = HTTPParser.kLenientVersion ?? HTTPParser.kLenientNone;
export const RESPONSE = HTTPParser.RESPONSE;

function onHeaders(this: NativeParser, headers: string[], url: string): void {
  this.owner?.parserHeaders(headers, url);
}

function onHeadersComplete(
  this: NativeParser, major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined,
  statusCode: number, statusMessage: string | undefined, upgrade: boolean, keepAlive: boolean,
): number {
  return this.owner ? this.owner.parserHeadersComplete(major, minor, headers, method, url, statusCode, statusMessage, upgrade, keepAlive) : 0;
}

function onBody(this: NativeParser, chunk: Buffer): void {
  this.owner?.parserBody(chunk);
}

function onMessageComplete(this: NativeParser): void {
  this.owner?.parserMessageComplete();
}

function onExecute(this: NativeParser, ret: number | ParseError): void {
  this.owner?.parserExecute?.(ret);
}

const free: NativeParser[] = [];
const MAX_FREE = 1000;

/** A parser from the free list (or a new one), initialised for a new connection. */
export function createParser(type: number, owner: ParserOwner, maxHeaderSize: number, lenient = HTTPParser.kLenientNone): NativeParser {
  let p = free.pop();
  if (!p) {
    p = new HTTPParser();
    p[HTTPParser.kOnHeaders] = onHeaders;
    p[HTTPParser.kOnHeadersComplete] = onHeadersComplete;
    p[HTTPParser.kOnBody] = onBody;
    p[HTTPParser.kOnMessageComplete] = onMessageComplete;
    p[HTTPParser.kOnExecute] = onExecute;
    // No message-begin callback: Node calls into JS for a message's first byte only when this slot holds a
    // function, ~2 µs per message; a server connection asks llhttp at its sweep instead (headInProgress).
    p[HTTPParser.kOnMessageBegin] = null;
  }
  p.initialize(type, {}, maxHeaderSize, lenient);
  p.owner = owner;
  return p;
}

/** A socket's native stream handle (TCPWrap, TLSWrap). */
export interface StreamHandle {
  /** Set while a parser consumes it (node:http uses the same flag). */
  _consumed?: boolean;
  readonly isStreamBase?: boolean;
  readStart(): number;
  readStop(): number;
}

/** A socket's native stream handle when the parser can read from it directly (plain TCP and TLS sockets). */
export function consumableHandle(socket: object): StreamHandle | undefined {
  const h = (socket as { _handle?: StreamHandle | null })._handle;
  return h && h.isStreamBase && !h._consumed ? h : undefined;
}

/** Returns a parser whose connection closed. Never call it from inside that parser's callbacks. */
export function releaseParser(p: NativeParser): void {
  p.owner = null;
  if (free.length < MAX_FREE) free.push(p);
  else p.close();
}

export function isParseError(v: unknown): v is ParseError {
  return v instanceof Error;
}
