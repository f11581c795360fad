// A gRPC echo server (h2c) for bench:l4 and bench:edge: `node grpc-backend.cjs <port>`. bench.Echo/Get is unary;
// bench.Echo/List is server streaming and answers STREAM_MESSAGES copies of the request.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-proto-'));
const file = path.join(dir, 'echo.proto');
fs.writeFileSync(file, 'syntax = "proto3"; package bench; message Msg { string text = 1; } service Echo { rpc Get (Msg) returns (Msg); rpc List (Msg) returns (stream Msg); }');
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file));
fs.rmSync(dir, { recursive: true, force: true });

const server = new grpc.Server();
const STREAM_MESSAGES = 10;
server.addService(pkg.bench.Echo.service, {
  get: (call, cb) => cb(null, { text: call.request.text }),
  list: (call) => {
    for (let i = 0; i < STREAM_MESSAGES; i++) call.write({ text: call.request.text });
    call.end();
  },
});
server.bindAsync(`127.0.0.1:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.forceShutdown());
