/** The gRPC parts of an exchange: the client's deadline, the backend's grpc-status, the gateway's grpc-message. */
import type { GatewayErrorCode } from '../errors';

const GRPC_TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The grpc-timeout header (`<1-8 digits><unit>`, gRPC over HTTP/2 spec) in milliseconds; -1 when malformed. */
export function grpcTimeoutMs(v: string): number {
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  return m ? Math.max(1, Math.ceil(Number(m[1]) * GRPC_TIMEOUT_UNIT_MS[m[2]])) : -1;
}

/** The grpc-status of a response's headers or trailers (flat [name, value, ...] list); -1 when absent. */
export function grpcStatusOf(headers: string[]): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'grpc-status') return Number(headers[i + 1]);
  return -1;
}

/**
 * The grpc-message of a gateway error, percent-encoded as the gRPC spec requires: only `%` and bytes outside
 * printable ASCII (as UTF-8) are escaped, so clients that decode nothing still read it.
 */
export function grpcMessage(code: GatewayErrorCode, detail: string): string {
  const m = `${code}: ${detail}`.slice(0, 1000);
  if (/^[\x20-\x24\x26-\x7e]*$/.test(m)) return m;
  let out = '';
  for (const b of Buffer.from(m, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
