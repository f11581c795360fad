// A unary gRPC echo server (h2c) for bench:l4: `node grpc-backend.cjs <port>`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-proto-'));
const file = path.join(dir, 'echo.proto');
fs.writeFileSync(file, 'syntax = "proto3"; package bench; message Msg { string text = 1; } service Echo { rpc Get (Msg) returns (Msg); }');
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file));
fs.rmSync(dir, { recursive: true, force: true });

const server = new grpc.Server();
server.addService(pkg.bench.Echo.service, { get: (call, cb) => cb(null, { text: call.request.text }) });
server.bindAsync(`127.0.0.1:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.forceShutdown());
