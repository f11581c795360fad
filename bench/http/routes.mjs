// The data-plane config, its command line, the nginx proxy and the backend of the bench/http runs (run.mjs, ab.mjs,
// alloc.mjs, tail.mjs).
import { freePort, LOAD_CORE, NGINX, waitForPort } from '../lib.mjs';

/** N routes, each for its own hostname (svc<i>.example.com), all to the one backend. */
export function routesConfig(n) {
  const entries = [];
  const rules = [];
  for (let i = 0; i < n; i++) {
    rules.push({ source: { kind: 'HTTPRoute', namespace: 'bench', name: `route-${i}` }, ruleIndex: 0, grpc: false, filters: [],
      backends: [{ weight: 1, backend: 'bench/backend:80', filters: [] }] });
    entries.push({ hostnames: [`svc${i}.example.com`], path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], rule: i, match: 0 });
  }
  return {
    apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', kind: 'DataPlaneConfig', gateway: { namespace: 'bench', name: 'gw' },
    ports: [{ port: 80, transport: 'TCP', kind: 'HTTP', listeners: [{ id: 'web', name: 'web', parent: { kind: 'Gateway', namespace: 'bench', name: 'gw' }, protocol: 'HTTP', httpRoutes: entries }] }],
    httpRules: rules,
    backends: { 'bench/backend:80': { id: 'bench/backend:80', kind: 'Service', namespace: 'bench', name: 'backend', port: 80, protocol: 'http1' } },
    options: { clusterDomain: 'cluster.local' },
  };
}

/** The data plane's arguments after the bundle: `config` served on `port`, its one backend at `backendPort`. */
export function dataPlaneArgs(config, port, backendPort) {
  return ['--config', config, '--port-map', `80=${port}`, '--address', '127.0.0.1', '--backend', `bench/backend:80=127.0.0.1:${backendPort}`,
    '--no-access-log', '--log-level', 'warn'];
}

/** The `http` block of nginx as the reference proxy: one worker (Bench.nginxConf), upstream keep-alive. */
export function nginxProxyHttp(port, backendPort) {
  return `upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; keepalive_requests 10000000; }
  server { listen 127.0.0.1:${port} backlog=4096; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }`;
}

/** The backend of the bench/http runs: nginx answering `hello world` on the load core. */
export async function startBackend(bench) {
  const port = await freePort();
  const proc = bench.start(LOAD_CORE, NGINX, ['-c', bench.nginxConf('backend', { http: `server { listen 127.0.0.1:${port} backlog=4096; location / { return 200 "hello world\\n"; } }` })]);
  await waitForPort(port);
  return { proc, port };
}
