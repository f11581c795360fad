/**
 * The check of the one Node internal the data plane relies on: `_http_common`'s HTTPParser (llhttp), which
 * src/dataplane/http1/native-parser.ts drives directly on the HTTP/1.1 hot path, downstream and upstream.
 * It is undocumented, so a Node release may move or change it. At first use the module is loaded, its shape
 * checked and one request and one response parsed through it; if anything differs the reason is kept and the
 * data plane serves HTTP/1.1 through node:http instead (src/dataplane/http1/node-http-exchange.ts and
 * src/dataplane/upstream/node-http-upstream.ts), slower but with the same routing, filters and errors.
 */
import type { NativeParser } from './native-parser';

export interface HttpCommon {
  HTTPParser: {
    REQUEST: number;
    RESPONSE: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
    /** llhttp's lenient flag for versions other than 1.0/1.1 (request-checks answers them itself). */
    kLenientVersion?: number;
    new(): NativeParser;
  };
  methods: string[];
}

/** The internal, or why it cannot be used. */
export type NativeHttpSupport =
  | { readonly common: HttpCommon; readonly problem?: undefined }
  | { readonly common?: undefined; readonly problem: string };

const CONSTANTS = ['REQUEST', 'RESPONSE', 'kOnMessageBegin', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kOnExecute', 'kLenientNone'] as const;
const METHODS = ['initialize', 'execute', 'finish', 'close', 'free', 'remove', 'pause', 'resume', 'consume', 'unconsume', 'getCurrentBuffer'] as const;

let cached: NativeHttpSupport | undefined;

/** Loads and checks `_http_common` once per process. */
export function nativeHttpSupport(): NativeHttpSupport {
  cached ??= check();
  return cached;
}

function check(): NativeHttpSupport {
  let common: HttpCommon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    common = require('_http_common') as HttpCommon;
  } catch (e) {
    return { problem: `require('_http_common') failed: ${(e as Error).message}` };
  }
  const P = common?.HTTPParser;
  if (typeof P !== 'function') return { problem: '_http_common.HTTPParser is not a constructor' };
  for (const k of CONSTANTS) {
    if (!Number.isInteger(P[k])) return { problem: `_http_common.HTTPParser.${k} is ${typeof P[k]}, expected an integer` };
  }
  for (const m of METHODS) {
    if (typeof (P.prototype as unknown as Record<string, unknown>)?.[m] !== 'function') return { problem: `_http_common.HTTPParser.prototype.${m} is not a function` };
  }
  if (!Array.isArray(common.methods) || !common.methods.includes('GET')) return { problem: '_http_common.methods is not the list of HTTP method names' };
  try {
    const request = parseOnce(common, P.REQUEST, 'POST /probe?x=1 HTTP/1.1\r\nHost: probe\r\nContent-Length: 2\r\n\r\nok');
    const expected = ['POST', '/probe?x=1', 'Host,probe,Content-Length,2', 'ok'].join('|');
    if (request !== expected) return { problem: `_http_common.HTTPParser parsed a probe request as "${request}", expected "${expected}"` };
    const response = parseOnce(common, P.RESPONSE, 'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    const expectedResponse = ['201', 'Created', 'Content-Length,2', 'ok'].join('|');
    if (response !== expectedResponse) return { problem: `_http_common.HTTPParser parsed a probe response as "${response}", expected "${expectedResponse}"` };
  } catch (e) {
    return { problem: `_http_common.HTTPParser failed on a probe message: ${(e as Error).message}` };
  }
  return { common };
}

/** Parses one message with the callbacks native-parser.ts installs; returns what they saw, `|`-separated. */
function parseOnce(common: HttpCommon, type: number, text: string): string {
  const P = common.HTTPParser;
  const p = new P();
  const seen: string[] = [];
  let complete = false;
  p[P.kOnHeaders] = () => undefined;
  p[P.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[], method: number, url: string, status: number, reason: string) => {
    if (type === P.REQUEST) seen.push(common.methods[method], url);
    else seen.push(String(status), reason);
    seen.push(headers.join(','));
    return 0;
  };
  p[P.kOnBody] = (chunk: Buffer) => { seen.push(chunk.toString('latin1')); };
  p[P.kOnMessageComplete] = () => { complete = true; };
  p[P.kOnExecute] = () => undefined;
  p[P.kOnMessageBegin] = null;
  p.initialize(type, {}, 16384, P.kLenientNone);
  const ret = p.execute(Buffer.from(text, 'latin1'));
  p.close();
  if (ret instanceof Error) throw ret;
  if (!complete) throw new Error('the message did not complete');
  return seen.join('|');
}
