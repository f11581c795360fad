import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The test services: unary, the three streaming kinds, and methods that fail or stall on request. */
const PROTO = `
syntax = "proto3";
package shop.cart.v1;

message Item {
  string name = 1;
  int32 count = 2;
  // Fail: the status code to answer with
  int32 code = 3;
  // Slow, Watch: milliseconds to wait before (each) answer
  int32 delay_ms = 4;
}

message Reply {
  string backend = 1;
  string name = 2;
  int32 count = 3;
  // request metadata the backend saw (a few known keys)
  map<string, string> metadata = 4;
}

service Cart {
  rpc AddItem (Item) returns (Reply);
  rpc RemoveItem (Item) returns (Reply);
  rpc Get (Item) returns (Reply);
  rpc List (Item) returns (Reply);
  rpc Fail (Item) returns (Reply);
  rpc Slow (Item) returns (Reply);
  rpc Broken (Item) returns (Reply);
  rpc Unreachable (Item) returns (Reply);
  rpc Audit (Item) returns (Reply);
  rpc Watch (Item) returns (stream Reply);
  rpc Upload (stream Item) returns (Reply);
  rpc Chat (stream Item) returns (stream Reply);
}

service Stock {
  rpc Level (Item) returns (Reply);
}
`;

/** Metadata keys a backend reports back in Reply.metadata. */
const REPORTED = ['x-user', 'x-write-path', 'x-beta', 'x-forwarded-proto', 'te', 'content-type', 'grpc-timeout'];

export interface CartPackage {
  readonly Cart: grpc.ServiceClientConstructor;
  readonly Stock: grpc.ServiceClientConstructor;
}

let loaded: CartPackage | undefined;

export function cartPackage(): CartPackage {
  if (loaded) return loaded;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proto-'));
  const file = path.join(dir, 'cart.proto');
  fs.writeFileSync(file, PROTO);
  const def = protoLoader.loadSync(file, { keepCase: false, longs: Number, defaults: true });
  fs.rmSync(dir, { recursive: true, force: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  loaded = { Cart: pkg.shop.cart.v1.Cart, Stock: pkg.shop.cart.v1.Stock };
  return loaded;
}

export interface GrpcBackend {
  readonly name: string;
  readonly port: number;
  /** Method names called, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

function report(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of REPORTED) {
    const v = md.get(k);
    if (v.length) out[k] = String(v[0]);
  }
  return out;
}

/** A gRPC server (h2c, or TLS with `tls`) implementing Cart and Stock, answering with its name. */
export async function startGrpcBackend(name: string, tls?: { cert: string; key: string }): Promise<GrpcBackend> {
  const { Cart, Stock } = cartPackage();
  const calls: string[] = [];
  const server = new grpc.Server();
  const unary = (method: string) => (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
    calls.push(method);
    const trailer = new grpc.Metadata();
    trailer.set('x-trailer', `${name}-done`);
    cb(null, { backend: name, name: call.request.name, count: call.request.count, metadata: report(call.metadata) }, trailer);
  };
  server.addService(Cart.service, {
    addItem: unary('AddItem'),
    removeItem: unary('RemoveItem'),
    get: unary('Get'),
    list: unary('List'),
    broken: unary('Broken'),
    unreachable: unary('Unreachable'),
    audit: unary('Audit'),
    fail: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      calls.push('Fail');
      const trailer = new grpc.Metadata();
      trailer.set('x-reason', 'asked-to-fail');
      cb({ code: call.request.code, details: `${name} failed as asked`, metadata: trailer });
    },
    slow: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      calls.push('Slow');
      const t = setTimeout(() => cb(null, { backend: name, name: 'late' }), call.request.delayMs);
      call.on('cancelled', () => clearTimeout(t));
    },
    watch: (call: grpc.ServerWritableStream<any, any>) => {
      calls.push('Watch');
      let i = 0;
      const timer = setInterval(() => {
        if (call.cancelled) return clearInterval(timer);
        call.write({ backend: name, name: call.request.name, count: ++i });
        if (i === call.request.count) {
          clearInterval(timer);
          call.end();
        }
      }, call.request.delayMs || 1);
      call.on('cancelled', () => clearInterval(timer));
    },
    upload: (call: grpc.ServerReadableStream<any, any>, cb: grpc.sendUnaryData<any>) => {
      calls.push('Upload');
      let n = 0;
      let last = '';
      call.on('data', (item: any) => {
        n += item.count;
        last = item.name;
      });
      call.on('end', () => cb(null, { backend: name, name: last, count: n, metadata: report(call.metadata) }));
    },
    chat: (call: grpc.ServerDuplexStream<any, any>) => {
      calls.push('Chat');
      call.on('data', (item: any) => call.write({ backend: name, name: `re: ${item.name}`, count: item.count }));
      call.on('end', () => call.end());
    },
  });
  server.addService(Stock.service, {
    level: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      calls.push('Level');
      cb(null, { backend: name, name: call.request.name, count: 7 });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }])
      : grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { name, port, calls, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

/** Calls a unary method; resolves with the reply, the response metadata and trailers, or the error. */
export function unaryCall(client: grpc.Client, method: string, req: object, o: { metadata?: Record<string, string>; deadlineMs?: number } = {}):
Promise<{ reply?: any; error?: grpc.ServiceError; headers?: grpc.Metadata; trailers?: grpc.Metadata }> {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(o.metadata ?? {})) md.set(k, v);
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    let result: { reply?: any; error?: grpc.ServiceError } | undefined;
    let status = false;
    const done = () => {
      if (result && status) resolve({ ...result, headers, trailers });
    };
    const options = o.deadlineMs ? { deadline: Date.now() + o.deadlineMs } : {};
    const call = (client as any)[method](req, md, options, (error: grpc.ServiceError | null, reply: any) => {
      result = error ? { error } : { reply };
      done();
    });
    call.on('metadata', (m: grpc.Metadata) => { headers = m; });
    call.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
      status = true;
      done();
    });
  });
}
