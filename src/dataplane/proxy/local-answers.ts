/**
 * The answers the gateway gives itself instead of a backend: its errors (a JSON body naming the GW_* code, or a gRPC
 * trailers-only response), RequestRedirect answers and CORS preflights. Which answer a request gets is the router's
 * decision (src/router/decide.ts) or a failure on the way; these build the heads the exchange sends for them.
 */
import { ERROR_HEADER, GatewayErrorCode } from '../errors';
import { CORS_VARY, CorsPlan } from './cors';
import { grpcMessage } from './grpc';

/** The head of a gateway error for an HTTP client (its body is `errorBody(code)`); `extra` (CORS, auth) follows. */
export function errorHead(code: GatewayErrorCode, extra: readonly string[] | null): string[] {
  const h = ['content-type', 'application/json', ERROR_HEADER, code];
  if (extra) h.push(...extra);
  return h;
}

/** A gateway error for a gRPC call: a trailers-only response (one HEADERS frame with the status, ending the stream). */
export function grpcErrorHead(code: GatewayErrorCode, grpcStatus: number, detail: string): string[] {
  return ['content-type', 'application/grpc', 'grpc-status', String(grpcStatus), 'grpc-message', grpcMessage(code, detail), ERROR_HEADER, code];
}

/** A RequestRedirect answer's head: the Location (see `redirectLocation`), then `extra` (a CORS route's headers). */
export function redirectHead(location: string, extra: readonly string[] | null): string[] {
  const h = ['location', location];
  if (extra) h.push(...extra);
  return h;
}

/**
 * The head of the answer to a CORS preflight (the CORS filter answers it, 200 with no body): the filter's
 * Access-Control-* headers for an allowed Origin, only `Vary: Origin` for another one.
 */
export function preflightHead(cors: CorsPlan, headers: Readonly<Record<string, string | string[] | undefined>>): string[] {
  const origin = headers.origin as string;
  if (!cors.allows(origin)) return CORS_VARY as string[];
  const acrh = headers['access-control-request-headers'];
  return cors.preflightHeaders(origin, headers['access-control-request-method'] as string, typeof acrh === 'string' ? acrh : undefined);
}

/** What a CORS filter adds to an answer that is not a preflight. */
export interface CorsAnswer {
  /** Headers added to the answer: Access-Control-* for an allowed Origin, `Vary: Origin` always. */
  readonly headers: string[];
  /** The Origin is allowed: the gateway's Access-Control-* headers replace the backend's. */
  readonly allowed: boolean;
  /** exposeHeaders `*` with credentials: Access-Control-Expose-Headers lists the response's own header names. */
  readonly exposeAll: boolean;
}

const NOT_ALLOWED: CorsAnswer = { headers: CORS_VARY as string[], allowed: false, exposeAll: false };

/** The CORS filter's part of the answer to a request that is not a preflight. */
export function corsAnswer(cors: CorsPlan, origin: string | string[] | undefined): CorsAnswer {
  if (typeof origin !== 'string' || !cors.allows(origin)) return NOT_ALLOWED;
  return { headers: cors.responseHeaders(origin), allowed: true, exposeAll: cors.exposeResponseHeaders };
}
