/**
 * The one table of request and connection outcomes. Each has a stable `GW_*` code; the data plane's error answers
 * (the `x-gateway-error` header, the JSON body, the grpc-status of a gRPC call), its access log (`error`) and metrics
 * (`code` label of cdk8s_gateway_errors_total), `explain` and GatewayTester all read their statuses from here, so
 * explain cannot report a code or status the gateway does not answer with.
 *
 * Three kinds of outcome:
 * - errors the gateway answers itself (`GatewayErrorCode`): an HTTP status, and the grpc-status a gRPC call gets
 *   instead (a trailers-only response: HTTP 200 with `grpc-status`);
 * - connection-level errors (TLS, TCP, UDP) with no HTTP answer: the code appears in logs and metrics only (their
 *   `status` is what an HTTP client would be told if there were one to tell);
 * - what is not an error: the request is forwarded, redirected or answered as a CORS preflight, or (explain only)
 *   nothing listens on the port at all. No `x-gateway-error` header is ever sent for these.
 */

/** What an outcome looks like to a client. */
export interface OutcomeInfo {
  /** The HTTP status the gateway answers with; 0 when it does not answer over HTTP itself (the backend does, or no one). */
  readonly status: number;
  /** The grpc-status a gRPC call gets from the gateway itself; -1 when the gateway gives none (the backend answers). */
  readonly grpcStatus: number;
  /** One sentence, as the JSON error body and `explain` say it. */
  readonly message: string;
}

// gRPC status codes (grpc/doc/statuscodes.md)
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;
const INTERNAL = 13;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

const ERRORS = {
  // the request itself
  GW_BAD_REQUEST: { status: 400, grpcStatus: INTERNAL, message: 'malformed request' },
  GW_HEADERS_TOO_LARGE: { status: 431, grpcStatus: INTERNAL, message: 'request header fields too large' },
  GW_HTTP_VERSION_NOT_SUPPORTED: { status: 505, grpcStatus: INTERNAL, message: 'this port speaks HTTP/1.0 and HTTP/1.1 (and HTTP/2 with its own connection preface)' },
  GW_CLIENT_TIMEOUT: { status: 408, grpcStatus: DEADLINE_EXCEEDED, message: 'client did not send the request in time' },
  // routing (src/router/decide.ts)
  GW_UNKNOWN_HOST: { status: 404, grpcStatus: UNIMPLEMENTED, message: 'no listener accepts this host' },
  GW_MISDIRECTED_REQUEST: { status: 421, grpcStatus: UNIMPLEMENTED, message: 'host does not belong to the listener of this connection' },
  GW_NO_ROUTE: { status: 404, grpcStatus: UNIMPLEMENTED, message: 'no route matches this request' },
  GW_NO_BACKEND: { status: 500, grpcStatus: UNAVAILABLE, message: 'the matched rule has no backends' },
  GW_INVALID_BACKEND: { status: 500, grpcStatus: UNAVAILABLE, message: 'the selected backend reference is invalid' },
  GW_UNSUPPORTED_FILTER: { status: 500, grpcStatus: INTERNAL, message: 'the matched rule uses a filter this data plane cannot run' },
  // the backend
  GW_UPSTREAM_UNREACHABLE: { status: 503, grpcStatus: UNAVAILABLE, message: 'the backend could not be reached' },
  GW_UPSTREAM_RESET: { status: 502, grpcStatus: UNAVAILABLE, message: 'the backend closed the connection before answering' },
  GW_UPSTREAM_PROTOCOL: { status: 502, grpcStatus: UNAVAILABLE, message: 'the backend answered with an invalid HTTP response' },
  GW_UPSTREAM_TLS: { status: 502, grpcStatus: UNAVAILABLE, message: 'the TLS handshake with the backend failed (certificate not trusted or not matching its BackendTLSPolicy)' },
  GW_UPSTREAM_TIMEOUT: { status: 504, grpcStatus: DEADLINE_EXCEEDED, message: 'the backend did not answer within the backendRequest timeout' },
  GW_REQUEST_TIMEOUT: { status: 504, grpcStatus: DEADLINE_EXCEEDED, message: 'the request did not complete within the request timeout' },
  GW_DRAINING: { status: 503, grpcStatus: UNAVAILABLE, message: 'the gateway is shutting down' },
  GW_CLIENT_ABORTED: { status: 499, grpcStatus: CANCELLED, message: 'the client closed the connection' },
  GW_DEADLINE_EXCEEDED: { status: 504, grpcStatus: DEADLINE_EXCEEDED, message: 'the gRPC deadline (grpc-timeout) passed before the call completed' },
  // connection-level (TLS, TCP, UDP): no HTTP answer, the codes appear in logs and metrics
  GW_UNKNOWN_SERVER_NAME: { status: 421, grpcStatus: UNAVAILABLE, message: 'no listener or TLSRoute accepts this TLS server name' },
  GW_BAD_CLIENT_HELLO: { status: 400, grpcStatus: INTERNAL, message: 'the connection did not start with a readable TLS ClientHello in time' },
  GW_CLIENT_CERT_REJECTED: { status: 403, grpcStatus: UNAUTHENTICATED, message: 'the client certificate is missing or not signed by a trusted CA' },
  GW_IDLE_TIMEOUT: { status: 408, grpcStatus: DEADLINE_EXCEEDED, message: 'no bytes in either direction within the idle timeout' },
  GW_SESSION_LIMIT: { status: 503, grpcStatus: RESOURCE_EXHAUSTED, message: 'too many UDP sessions on this port' },
  // ExternalAuth: a denial is the auth server's own answer (the code appears in logs only); the others fail closed
  GW_EXT_AUTH_DENIED: { status: 403, grpcStatus: PERMISSION_DENIED, message: 'the external authorization server denied the request' },
  GW_EXT_AUTH_UNREACHABLE: { status: 503, grpcStatus: UNAVAILABLE, message: 'the external authorization server could not be reached' },
  GW_EXT_AUTH_TIMEOUT: { status: 504, grpcStatus: DEADLINE_EXCEEDED, message: 'the external authorization server did not answer in time' },
  GW_EXT_AUTH_FAILED: { status: 502, grpcStatus: UNAVAILABLE, message: 'the external authorization server answered with something that is not a decision' },
  GW_EXT_AUTH_BODY_TOO_LARGE: { status: 413, grpcStatus: RESOURCE_EXHAUSTED, message: 'the request body is larger than the ExternalAuth filter forwards (forwardBody.maxSize)' },
} satisfies Record<string, OutcomeInfo>;

const NOT_ERRORS = {
  /** The request goes to a backend, which answers. */
  GW_ROUTED: { status: 0, grpcStatus: -1, message: 'forwarded to a backend, which answers' },
  /** A RequestRedirect filter answers: its status code (3xx) with a Location. */
  GW_REDIRECT: { status: 0, grpcStatus: -1, message: 'answered by a RequestRedirect filter: a redirect with a Location' },
  /** A CORS filter answers the preflight (OPTIONS with Origin and Access-Control-Request-Method). */
  GW_CORS_PREFLIGHT: { status: 200, grpcStatus: -1, message: 'a CORS preflight, answered by the route\'s CORS filter' },
  /** explain of a connection: HTTP routing decides, request by request. */
  GW_HTTP: { status: 0, grpcStatus: -1, message: 'served over HTTP: the request decides what happens' },
  /** explain only: no port of the Gateway listens there, so the operating system refuses the connection (no gateway code on any log). */
  GW_NO_LISTENER: { status: 0, grpcStatus: -1, message: 'nothing listens on this port: the connection is refused' },
} satisfies Record<string, OutcomeInfo>;

/**
 * Errors the gateway answers (or, at the connection level, logs) with. Each has a stable code that appears in the
 * response (`x-gateway-error` header and JSON body), the access log (`error`) and the metrics.
 */
export type GatewayErrorCode = keyof typeof ERRORS;
/** Every outcome code: the gateway's errors and the outcomes that are not errors (GW_ROUTED, GW_REDIRECT...). */
export type OutcomeCode = GatewayErrorCode | keyof typeof NOT_ERRORS;

/** The table, by code. */
export const OUTCOMES: Readonly<Record<OutcomeCode, OutcomeInfo>> = { ...ERRORS, ...NOT_ERRORS };

/** True for the codes the gateway answers or logs as errors (an `x-gateway-error` header when answered over HTTP). */
export function isGatewayError(code: string): code is GatewayErrorCode {
  return Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** The HTTP status of a gateway error. */
export function errorStatus(code: GatewayErrorCode): number {
  return ERRORS[code].status;
}

/** The grpc-status a gRPC call gets for a gateway error. */
export function errorGrpcStatus(code: GatewayErrorCode): number {
  return ERRORS[code].grpcStatus;
}

/** The one-sentence message of an outcome. */
export function outcomeMessage(code: OutcomeCode): string {
  return OUTCOMES[code].message;
}

/** Names of the gRPC status codes the gateway answers with, for people. */
export const GRPC_STATUS_NAMES: Readonly<Record<number, string>> = {
  [CANCELLED]: 'CANCELLED',
  [DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED',
  [PERMISSION_DENIED]: 'PERMISSION_DENIED',
  [RESOURCE_EXHAUSTED]: 'RESOURCE_EXHAUSTED',
  [UNIMPLEMENTED]: 'UNIMPLEMENTED',
  [INTERNAL]: 'INTERNAL',
  [UNAVAILABLE]: 'UNAVAILABLE',
  [UNAUTHENTICATED]: 'UNAUTHENTICATED',
};
