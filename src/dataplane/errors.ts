/**
 * Errors the gateway itself answers with. Each has a stable code that appears in the response
 * (`x-gateway-error` header and JSON body), the access log (`error`) and the metrics (`code` label of
 * cdk8s_gateway_errors_total), so tests and operators can tell a gateway error from a backend's.
 */
export type GatewayErrorCode =
  | 'GW_BAD_REQUEST'
  | 'GW_HEADERS_TOO_LARGE'
  | 'GW_HTTP_VERSION_NOT_SUPPORTED'
  | 'GW_CLIENT_TIMEOUT'
  | 'GW_UNKNOWN_HOST'
  | 'GW_MISDIRECTED_REQUEST'
  | 'GW_NO_ROUTE'
  | 'GW_NO_BACKEND'
  | 'GW_INVALID_BACKEND'
  | 'GW_UNSUPPORTED_FILTER'
  | 'GW_UPSTREAM_UNREACHABLE'
  | 'GW_UPSTREAM_RESET'
  | 'GW_UPSTREAM_PROTOCOL'
  | 'GW_UPSTREAM_TLS'
  | 'GW_UPSTREAM_TIMEOUT'
  | 'GW_REQUEST_TIMEOUT'
  | 'GW_DRAINING'
  | 'GW_CLIENT_ABORTED'
  | 'GW_DEADLINE_EXCEEDED'
  | 'GW_UNKNOWN_SERVER_NAME'
  | 'GW_BAD_CLIENT_HELLO'
  | 'GW_CLIENT_CERT_REJECTED'
  | 'GW_IDLE_TIMEOUT'
  | 'GW_SESSION_LIMIT'
  | 'GW_EXT_AUTH_DENIED'
  | 'GW_EXT_AUTH_UNREACHABLE'
  | 'GW_EXT_AUTH_TIMEOUT'
  | 'GW_EXT_AUTH_FAILED'
  | 'GW_EXT_AUTH_BODY_TOO_LARGE';

interface ErrorInfo {
  readonly status: number;
  /** gRPC status code answered on GRPCRoute rules. */
  readonly grpcStatus: number;
  readonly message: string;
}

const INFO: Record<GatewayErrorCode, ErrorInfo> = {
  GW_BAD_REQUEST: { status: 400, grpcStatus: 13, message: 'malformed request' },
  GW_HEADERS_TOO_LARGE: { status: 431, grpcStatus: 13, message: 'request header fields too large' },
  GW_HTTP_VERSION_NOT_SUPPORTED: { status: 505, grpcStatus: 13, message: 'this port speaks HTTP/1.0 and HTTP/1.1 (and HTTP/2 with its own connection preface)' },
  GW_CLIENT_TIMEOUT: { status: 408, grpcStatus: 4, message: 'client did not send the request in time' },
  GW_UNKNOWN_HOST: { status: 404, grpcStatus: 12, message: 'no listener accepts this host' },
  GW_MISDIRECTED_REQUEST: { status: 421, grpcStatus: 12, message: 'host does not belong to the listener of this connection' },
  GW_NO_ROUTE: { status: 404, grpcStatus: 12, message: 'no route matches this request' },
  GW_NO_BACKEND: { status: 500, grpcStatus: 14, message: 'the matched rule has no backends' },
  GW_INVALID_BACKEND: { status: 500, grpcStatus: 14, message: 'the selected backend reference is invalid' },
  GW_UNSUPPORTED_FILTER: { status: 500, grpcStatus: 13, message: 'the matched rule uses a filter this data plane cannot run' },
  GW_UPSTREAM_UNREACHABLE: { status: 503, grpcStatus: 14, message: 'the backend could not be reached' },
  GW_UPSTREAM_RESET: { status: 502, grpcStatus: 14, message: 'the backend closed the connection before answering' },
  GW_UPSTREAM_PROTOCOL: { status: 502, grpcStatus: 14, message: 'the backend answered with an invalid HTTP response' },
  GW_UPSTREAM_TLS: { status: 502, grpcStatus: 14, message: 'the TLS handshake with the backend failed (certificate not trusted or not matching its BackendTLSPolicy)' },
  GW_UPSTREAM_TIMEOUT: { status: 504, grpcStatus: 4, message: 'the backend did not answer within the backendRequest timeout' },
  GW_REQUEST_TIMEOUT: { status: 504, grpcStatus: 4, message: 'the request did not complete within the request timeout' },
  GW_DRAINING: { status: 503, grpcStatus: 14, message: 'the gateway is shutting down' },
  GW_CLIENT_ABORTED: { status: 499, grpcStatus: 1, message: 'the client closed the connection' },
  GW_DEADLINE_EXCEEDED: { status: 504, grpcStatus: 4, message: 'the gRPC deadline (grpc-timeout) passed before the call completed' },
  // connection-level (TLS, TCP, UDP): no HTTP answer, the codes appear in logs and metrics
  GW_UNKNOWN_SERVER_NAME: { status: 421, grpcStatus: 14, message: 'no listener or TLSRoute accepts this TLS server name' },
  GW_BAD_CLIENT_HELLO: { status: 400, grpcStatus: 13, message: 'the connection did not start with a readable TLS ClientHello in time' },
  GW_CLIENT_CERT_REJECTED: { status: 403, grpcStatus: 16, message: 'the client certificate is missing or not signed by a trusted CA' },
  GW_IDLE_TIMEOUT: { status: 408, grpcStatus: 4, message: 'no bytes in either direction within the idle timeout' },
  GW_SESSION_LIMIT: { status: 503, grpcStatus: 8, message: 'too many UDP sessions on this port' },
  // ExternalAuth: a denial is the auth server's own answer (the code appears in logs only); the others fail closed
  GW_EXT_AUTH_DENIED: { status: 403, grpcStatus: 7, message: 'the external authorization server denied the request' },
  GW_EXT_AUTH_UNREACHABLE: { status: 503, grpcStatus: 14, message: 'the external authorization server could not be reached' },
  GW_EXT_AUTH_TIMEOUT: { status: 504, grpcStatus: 4, message: 'the external authorization server did not answer in time' },
  GW_EXT_AUTH_FAILED: { status: 502, grpcStatus: 14, message: 'the external authorization server answered with something that is not a decision' },
  GW_EXT_AUTH_BODY_TOO_LARGE: { status: 413, grpcStatus: 8, message: 'the request body is larger than the ExternalAuth filter forwards (forwardBody.maxSize)' },
};

export function errorStatus(code: GatewayErrorCode): number {
  return INFO[code].status;
}

export function errorGrpcStatus(code: GatewayErrorCode): number {
  return INFO[code].grpcStatus;
}

export function errorMessage(code: GatewayErrorCode): string {
  return INFO[code].message;
}

const bodies = new Map<GatewayErrorCode, Buffer>();

/** The JSON body of a gateway error response (cached: codes are a closed set). */
export function errorBody(code: GatewayErrorCode): Buffer {
  let b = bodies.get(code);
  if (!b) {
    b = Buffer.from(JSON.stringify({ error: { code, message: INFO[code].message } }) + '\n');
    bodies.set(code, b);
  }
  return b;
}

export const ERROR_HEADER = 'x-gateway-error';
