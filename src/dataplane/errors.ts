/**
 * Errors the gateway itself answers with, as the wire carries them. The codes and their HTTP and gRPC statuses are
 * the one outcome table in src/router/outcomes.ts (which `explain` and GatewayTester read too); this file adds what
 * only the data plane needs: the response header naming the code and the JSON body.
 */
import { GatewayErrorCode, outcomeMessage } from '../router/outcomes';

export { errorGrpcStatus, errorStatus } from '../router/outcomes';
export type { GatewayErrorCode } from '../router/outcomes';

const bodies = new Map<GatewayErrorCode, Buffer>();

/** The JSON body of a gateway error response (cached: codes are a closed set). */
export function errorBody(code: GatewayErrorCode): Buffer {
  let b = bodies.get(code);
  if (!b) {
    b = Buffer.from(JSON.stringify({ error: { code, message: outcomeMessage(code) } }) + '\n');
    bodies.set(code, b);
  }
  return b;
}

/** The response header that names a gateway error's code (absent on answers a backend gave). */
export const ERROR_HEADER = 'x-gateway-error';
