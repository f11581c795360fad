/**
 * Authorization servers for the ExternalAuth tests, behaving like the one of the upstream conformance suite:
 * a request whose path starts with `/http/allowed` (HTTP) or `/grpc/allowed` (gRPC) is allowed, with
 * `X-User-Id: 42`, `X-Auth-Received-Body-Size: <n>` and `X-Auth-Received-<Suffix>` for each `X-<Suffix>`
 * request header it got; anything else is denied with 403, `X-Auth-Error: access-denied` and a body.
 * Every check is recorded for the tests to look at.
 *
 * The gRPC one is a real @grpc/grpc-js server of Envoy's `envoy.service.auth.v3.Authorization` service,
 * declared with the field numbers of Envoy's protos (the subset the gateway uses), so its protobuf.js
 * decoder checks the gateway's hand-made encoding.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const DENIED_BODY = 'Access denied by external auth server';

// field numbers of envoy/service/auth/v3/{external_auth,attribute_context}.proto, envoy/config/core/v3/{base,address}.proto,
// envoy/type/v3/http_status.proto, google/rpc/status.proto and google/protobuf/{timestamp,wrappers}.proto
const EXT_AUTHZ_PROTO = `
syntax = "proto3";
package envoy.service.auth.v3;

message SocketAddress { string address = 2; uint32 port_value = 4; }
message Address { SocketAddress socket_address = 1; }
message Peer { Address address = 1; string service = 2; map<string, string> labels = 3; string principal = 4; string certificate = 5; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message HttpRequest {
  string id = 1; string method = 2; map<string, string> headers = 3; string path = 4; string host = 5; string scheme = 6;
  string query = 7; string fragment = 8; int64 size = 9; string protocol = 10; string body = 11; bytes raw_body = 12;
}
message Request { Timestamp time = 1; HttpRequest http = 2; }
message AttributeContext { Peer source = 1; Peer destination = 2; Request request = 4; }
message CheckRequest { AttributeContext attributes = 1; }

message Status { int32 code = 1; string message = 2; }
message HttpStatus { int32 code = 1; }
message HeaderValue { string key = 1; string value = 2; bytes raw_value = 3; }
message BoolValue { bool value = 1; }
message HeaderValueOption { HeaderValue header = 1; BoolValue append = 2; int32 append_action = 3; bool keep_empty_value = 4; }
message DeniedHttpResponse { HttpStatus status = 1; repeated HeaderValueOption headers = 2; string body = 3; }
message OkHttpResponse {
  repeated HeaderValueOption headers = 2; repeated string headers_to_remove = 5; repeated HeaderValueOption response_headers_to_add = 6;
}
message CheckResponse {
  Status status = 1;
  oneof http_response { DeniedHttpResponse denied_response = 2; OkHttpResponse ok_response = 3; }
}

service Authorization { rpc Check (CheckRequest) returns (CheckResponse); }
`;

export interface HttpCheck {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RunningServer<C> {
  readonly port: number;
  readonly checks: C[];
  close(): Promise<void>;
}

function echoedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('x-') && v !== undefined) out[`x-auth-received-${k.slice(2)}`] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/** The HTTP protocol auth server. */
export async function startHttpAuthServer(): Promise<RunningServer<HttpCheck>> {
  const checks: HttpCheck[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      checks.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
      const allowed = /^(\/[^/]+)?\/http\/allowed/.test(req.url ?? '');
      if (allowed) {
        res.writeHead(200, { ...echoedHeaders(req.headers), 'x-user-id': '42', 'x-auth-received-body-size': String(body.length) });
        res.end();
      } else {
        res.writeHead(403, { 'x-auth-error': 'access-denied', 'x-auth-received-body-size': String(body.length), 'content-type': 'text/plain' });
        res.end(DENIED_BODY);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    checks,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A CheckRequest as the gRPC server decoded it (protobuf.js, keepCase). */
export type GrpcCheck = any;

const option = (key: string, value: string) => ({ header: { key, value } });

/** The Envoy ext_authz v3 gRPC auth server. */
export async function startGrpcAuthServer(): Promise<RunningServer<GrpcCheck>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-ext-authz-'));
  const file = path.join(dir, 'ext_authz.proto');
  fs.writeFileSync(file, EXT_AUTHZ_PROTO);
  const def = protoLoader.loadSync(file, { keepCase: true, longs: Number, defaults: true, bytes: Buffer });
  fs.rmSync(dir, { recursive: true, force: true });
  const svc = (grpc.loadPackageDefinition(def) as any).envoy.service.auth.v3.Authorization;
  const checks: GrpcCheck[] = [];
  const server = new grpc.Server();
  server.addService(svc.service, {
    Check: (call: grpc.ServerUnaryCall<any, any>, done: grpc.sendUnaryData<any>) => {
      const req = call.request;
      checks.push(req);
      const h = req.attributes.request.http;
      const size = String(Buffer.byteLength(h.body) + h.raw_body.length);
      if (h.path.startsWith('/grpc/error')) {
        // an RPC failure, not a decision
        done({ code: grpc.status.UNAVAILABLE, details: 'policy store down' });
      } else if (h.path.startsWith('/grpc/allowed/append')) {
        // the header actions: append (deprecated BoolValue), ADD_IF_ABSENT (1), OVERWRITE_IF_EXISTS (3)
        done(null, {
          status: { code: 0 },
          ok_response: {
            headers: [
              { header: { key: 'x-tag', value: 'added' }, append: { value: true } },
              { header: { key: 'x-keep', value: 'auth' }, append_action: 1 },
              { header: { key: 'x-new', value: 'auth' }, append_action: 1 },
              { header: { key: 'x-only-if', value: 'auth' }, append_action: 3 },
            ],
          },
        });
      } else if (h.path.startsWith('/grpc/allowed')) {
        const echoed = Object.entries(echoedHeaders(h.headers)).map(([k, v]) => option(k, v));
        done(null, {
          status: { code: 0 },
          ok_response: {
            headers: [option('x-user-id', '42'), option('x-auth-received-body-size', size), ...echoed],
            headers_to_remove: ['x-remove-me'],
            response_headers_to_add: [option('x-auth-checked', 'yes')],
          },
        });
      } else {
        done(null, {
          status: { code: 7, message: 'denied' },
          denied_response: { status: { code: 403 }, headers: [option('x-auth-error', 'access-denied'), option('x-auth-received-body-size', size)], body: DENIED_BODY },
        });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    port,
    checks,
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}
