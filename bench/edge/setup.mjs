// The certificate, the data-plane config and the nginx proxy of the edge benchmarks (run.mjs, syscalls.mjs).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HOST = 'edge.example.com';
export const GRPC_HOST = 'grpc.example.com';
/**
 * The Node options of a data-plane pod with the default memory limit (512 MiB: src/deploy/sizing.ts heapMib() = 3/4
 * of it; src/deploy/pod-layout.ts containerInvocation() with semiSpaceMib()).
 */
export const POD_NODE_FLAGS = ['--max-old-space-size=384', '--max-semi-space-size=16'];

/** One self-signed ECDSA P-256 certificate for edge.example.com and grpc.example.com, in the layouts each proxy reads. */
export function makeCertificate(tmp) {
  const dir = path.join(tmp, 'secrets', 'bench', 'edge-tls');
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, 'tls.key');
  const crt = path.join(dir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${HOST}`,
    '-addext', `subjectAltName=DNS:${HOST},DNS:${GRPC_HOST}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
  const pem = path.join(tmp, 'haproxy.pem');
  fs.writeFileSync(pem, fs.readFileSync(crt, 'utf8') + fs.readFileSync(key, 'utf8'));
  return { key, crt, pem, secretsDir: path.join(tmp, 'secrets') };
}

const backendRef = (name, protocol) => ({ id: `bench/${name}:80`, kind: 'Service', namespace: 'bench', name, port: 80, protocol });

/** One HTTPS listener (the certificate above) with an HTTPRoute for edge.example.com and a GRPCRoute for grpc.example.com. */
export function dataPlaneConfig() {
  const parent = { kind: 'Gateway', namespace: 'bench', name: 'gw' };
  return {
    apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', kind: 'DataPlaneConfig', gateway: { namespace: 'bench', name: 'gw' },
    ports: [{ port: 443, transport: 'TCP', kind: 'TLS', listeners: [{ id: 'https', name: 'https', parent, protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificates: [{ namespace: 'bench', name: 'edge-tls' }] },
      httpRoutes: [
        { hostnames: [GRPC_HOST], path: { type: 'PathPrefix', value: '/bench.Echo/' }, method: 'POST', headers: [], queryParams: [], rule: 1, match: 0 },
        { hostnames: [HOST], path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], rule: 0, match: 0 },
      ] }] }],
    httpRules: [
      { source: { kind: 'HTTPRoute', namespace: 'bench', name: 'web' }, ruleIndex: 0, grpc: false, filters: [], backends: [{ weight: 1, backend: 'bench/backend:80', filters: [] }] },
      { source: { kind: 'GRPCRoute', namespace: 'bench', name: 'echo' }, ruleIndex: 0, grpc: true, filters: [], backends: [{ weight: 1, backend: 'bench/grpc:80', filters: [] }] },
    ],
    backends: { 'bench/backend:80': backendRef('backend', 'http1'), 'bench/grpc:80': backendRef('grpc', 'h2c') },
    options: { clusterDomain: 'cluster.local' },
  };
}

/** nginx: TLS and HTTP/2 on the port, keep-alive upstreams (HTTP/1.1 and gRPC). */
export function nginxProxy(port, row, cert, backends) {
  const proto = row.tls === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  const resume = row.resumption ? 'ssl_session_tickets on; ssl_session_cache shared:edge:10m;' : 'ssl_session_tickets off; ssl_session_cache off;';
  return `upstream backend { server 127.0.0.1:${backends.http}; keepalive 128; keepalive_requests 10000000; }
  upstream grpcbackend { server 127.0.0.1:${backends.grpc}; keepalive 128; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port} ssl http2 backlog=4096;
    ssl_certificate ${cert.crt}; ssl_certificate_key ${cert.key};
    ssl_protocols ${proto}; ${resume}
    location /bench.Echo/ { grpc_pass grpc://grpcbackend; }
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }`;
}
