/**
 * `explain` is the wire (issue 16, item 5): random Gateways with HTTPRoutes and GRPCRoutes (fast-check), compiled by
 * the compiler, served by one data-plane process (reloaded with each config), and random requests sent over real
 * sockets (HTTP/1.1 and HTTP/2, cleartext and TLS with an SNI that may not be the Host's) and asked of explain. Both
 * must say the same: the status, the GW_* code (the x-gateway-error header), the grpc-status, the Location of a
 * redirect and the backend (for a weighted rule: the wire's answer is one of the shares' explained outcomes).
 *
 * The generators cover hosts with ports, in upper case and with a trailing dot, hosts no listener takes, SNI mismatches
 * (421), gRPC content types, redirects (of a rule and of a backendRef), the gateway's own answers (unsupported
 * filters, invalid backendRefs and ExternalAuth refs, rules without backends), CORS preflights and malformed targets.
 *
 * Runs: EXPLAIN_WIRE_RUNS (default 15 configs, up to 14 requests each, a few seconds); a failure prints fast-check's
 * seed and path, to replay with EXPLAIN_WIRE_SEED and EXPLAIN_WIRE_PATH; EXPLAIN_WIRE_STATS=1 prints how the requests
 * ended. 300 runs passed while this was written.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import * as fc from 'fast-check';
import { compile } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { explainRequest, formatExplanation } from '../../src/router';
import type { Explanation } from '../../src/router';
import { gateway, gatewayClass, route, service, tlsSecret } from '../compiler/fixtures';
import { selfSignedCert, writeSecret } from '../support/certs';
import { RunningEcho, startEchoServers } from '../support/echo';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { AtomicVolume } from '../support/volume';

type Obj = Record<string, any>;

const SERVICES = ['svc-a', 'svc-b', 'svc-c'];
const LISTENER_HOSTNAMES = ['a.example.com', 'b.example.com', '*.example.com', 'c.test'];

let gw: Spawned;
let echoes: RunningEcho[];
let volume: AtomicVolume;
let generation = 1;

// --- random Gateways -------------------------------------------------------------------------------

const redirectFilter = fc.record({
  type: fc.constant('RequestRedirect'),
  requestRedirect: fc.record({
    statusCode: fc.constantFrom(301, 302),
    hostname: fc.option(fc.constant('moved.test'), { nil: undefined }),
    path: fc.option(fc.constant({ type: 'ReplaceFullPath', replaceFullPath: '/moved' }), { nil: undefined }),
  }, { requiredKeys: ['statusCode'] }),
});
const corsFilter = fc.constant({ type: 'CORS', cors: { allowOrigins: ['https://ok.test'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-v'] } });
const extensionRef = fc.constant({ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 'x' } });
// a backendRef in a namespace without a ReferenceGrant: RefNotPermitted, the check cannot be made
const invalidAuth = fc.constant({ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', http: {}, backendRef: { name: 'svc-x', namespace: 'other', port: 80 } } });

const backendRef = fc.oneof(
  { weight: 6, arbitrary: fc.record({ name: fc.constantFrom(...SERVICES), port: fc.constant(80), weight: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ name: 'svc-x', namespace: 'other', port: 80 }) },
  {
    weight: 1,
    // a backendRef with a filter of its own
    arbitrary: fc.record({
      name: fc.constantFrom(...SERVICES), port: fc.constant(80), filters: fc.oneof(redirectFilter, corsFilter, extensionRef).map((f) => [f]),
    }),
  },
);

// a match: a path mostly, a method or an x-v header now and then
const httpMatch = fc.record({
  path: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, {
    weight: 3,
    arbitrary: fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: fc.constantFrom('/', '/a', '/a/b', '/b', '/pkg.Svc/Get') }),
  }),
  method: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.constantFrom('GET', 'POST')),
  headers: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.constant([{ name: 'x-v', value: '1' }])),
}).map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)));

const httpRule = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      matches: fc.array(httpMatch, { maxLength: 2 }),
      filters: fc.oneof(
        { weight: 8, arbitrary: fc.constant([]) },
        { weight: 2, arbitrary: corsFilter.map((f) => [f]) },
        extensionRef.map((f) => [f]),
        invalidAuth.map((f) => [f]),
      ),
      backendRefs: fc.array(backendRef, { maxLength: 3 }),
    }),
  },
  // a RequestRedirect answers itself: no backendRefs beside it
  { weight: 1, arbitrary: fc.record({ matches: fc.array(httpMatch, { maxLength: 2 }), filters: redirectFilter.map((f) => [f]) }) },
);

function routeHostnames(): fc.Arbitrary<string[]> {
  const some = fc.uniqueArray(fc.constantFrom('a.example.com', 'b.example.com', 'x.example.com', '*.example.com', 'c.test'), { minLength: 1, maxLength: 2 });
  return fc.oneof(fc.constant<string[]>([]), some);
}

const httpRoute = fc.record({
  hostnames: routeHostnames(),
  rules: fc.array(httpRule, { minLength: 1, maxLength: 3 }),
  // attached to one listener (sectionName), else to all
  section: fc.option(fc.nat(3), { nil: undefined, freq: 3 }),
});

const grpcRoute = fc.record({
  hostnames: routeHostnames(),
  rules: fc.array(fc.record({
    matches: fc.array(fc.record({ method: fc.record({ service: fc.constant('pkg.Svc'), method: fc.constantFrom('Get', 'Put') }, { requiredKeys: ['service'] }) }), { maxLength: 1 }),
    backendRefs: fc.array(fc.record({ name: fc.constantFrom(...SERVICES), port: fc.constant(80) }), { maxLength: 2 }),
  }), { minLength: 1, maxLength: 2 }),
});

// listener hostnames, unique per port; none (any host) about half the time
const listenerHostnames = (max: number) => fc.uniqueArray(fc.option(fc.constantFrom(...LISTENER_HOSTNAMES), { nil: undefined, freq: 3 }), {
  minLength: 1, maxLength: max, selector: (h) => h ?? '',
});

const gatewaySpec = fc.record({
  http: listenerHostnames(3),
  https: listenerHostnames(2),
  httpRoutes: fc.array(httpRoute, { minLength: 1, maxLength: 4 }),
  grpcRoutes: fc.array(grpcRoute, { maxLength: 1 }),
});
type GatewaySpec = typeof gatewaySpec extends fc.Arbitrary<infer T> ? T : never;

/** The Gateway API objects of a spec: a Gateway with HTTP listeners on 80 and HTTPS ones on 443, its routes, Services. */
function manifests(spec: GatewaySpec): Obj[] {
  const listeners = [
    ...spec.http.map((hostname, i) => ({ name: `http-${i}`, port: 80, protocol: 'HTTP', ...(hostname ? { hostname } : {}) })),
    ...spec.https.map((hostname, i) => ({
      name: `https-${i}`, port: 443, protocol: 'HTTPS', ...(hostname ? { hostname } : {}), tls: { mode: 'Terminate', certificateRefs: [{ name: 'wild' }] },
    })),
  ];
  let age = 0;
  const attached = (kind: string, name: string, hostnames: string[], rules: unknown[], section?: number) => route(kind, name, {
    parentRefs: [{ name: 'gw', ...(section !== undefined && section < listeners.length ? { sectionName: listeners[section].name } : {}) }],
    ...(hostnames.length ? { hostnames } : {}),
    rules,
    // oldest first in the order generated (the compiler orders equal matches and kind conflicts by age)
  }, { creationTimestamp: `2024-01-01T00:00:${String(age++).padStart(2, '0')}Z` });
  return [
    gatewayClass(),
    gateway('gw', listeners, { namespace: 'default' }),
    ...spec.httpRoutes.map((r, i) => attached('HTTPRoute', `web-${i}`, r.hostnames, r.rules, r.section)),
    ...spec.grpcRoutes.map((r, i) => attached('GRPCRoute', `rpc-${i}`, r.hostnames, r.rules)),
    ...SERVICES.map((s) => service(s)),
    service('svc-x', 'other'),
    tlsSecret('wild', 'default'),
  ];
}

function compileSpec(spec: GatewaySpec): DataPlaneConfig {
  const result = compile(manifests(spec));
  const config = result.configs.find((c) => c.gateway.name === 'gw');
  if (!config) throw new Error(`the Gateway did not compile: ${JSON.stringify(result.diagnostics)}`);
  return config;
}

async function serve(config: DataPlaneConfig): Promise<void> {
  volume.write({ 'config.json': JSON.stringify(config) });
  generation++;
  await gw.waitForLine(new RegExp(`"msg":"config reloaded","generation":${generation}\\b|reload refused`));
  const refused = gw.lines.find((l) => l.includes('reload refused'));
  if (refused) throw new Error(`the data plane refused a compiled config: ${refused}`);
}

// --- random requests -------------------------------------------------------------------------------

const requestSpec = fc.record({
  h2: fc.boolean(),
  tls: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) }),
  host: weighted([['a.example.com', 3], ['b.example.com', 2], ['x.example.com', 2], ['c.test', 2], ['example.com', 1], ['unknown.test', 1]]),
  /** How the Host header is written: as is, with a port, in upper case, with a trailing dot. */
  hostForm: weighted([['plain', 4], ['port', 2], ['upper', 1], ['dot', 1]]),
  /** The SNI: the Host's name mostly, else another name, or none. */
  sni: weighted([['same', 8], ['a.example.com', 1], ['x.example.com', 1], ['c.test', 1], ['unknown.test', 1], ['', 1]]),
  method: weighted([['GET', 4], ['POST', 2], ['OPTIONS', 2], ['HEAD', 1]]),
  path: weighted([['/', 2], ['/a', 3], ['/a/b', 2], ['/a/bc', 1], ['/b/x', 1], ['/pkg.Svc/Get', 2], ['/pkg.Svc/Put', 1], ['/a/./b', 1], ['/%61/b', 1], ['/a%2Fb', 1]]),
  query: fc.constantFrom('', 'q=1'),
  xv: weighted([[undefined, 2], ['1', 3], ['2', 1]]),
  origin: weighted([[undefined, 2], ['https://ok.test', 2], ['https://no.test', 1]]),
  /** A CORS preflight: OPTIONS with an Origin and Access-Control-Request-Method. */
  preflight: weighted([[false, 4], [true, 1]]),
  grpc: weighted([[false, 4], [true, 1]]),
});

function weighted<T>(choices: Array<[T, number]>): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([v, weight]) => ({ weight, arbitrary: fc.constant(v) })));
}

type RequestSpec = typeof requestSpec extends fc.Arbitrary<infer T> ? T : never;

interface WireRequest {
  readonly port: number;
  readonly tls: boolean;
  readonly h2: boolean;
  readonly serverName: string;
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string>;
}

function wireRequest(r: RequestSpec): WireRequest {
  const hostHeader = r.hostForm === 'port' ? `${r.host}:8080` : r.hostForm === 'upper' ? r.host.toUpperCase() : r.hostForm === 'dot' ? `${r.host}.` : r.host;
  const headers: Record<string, string> = { host: hostHeader };
  if (r.xv) headers['x-v'] = r.xv;
  const origin = r.origin ?? (r.preflight ? 'https://ok.test' : undefined);
  if (origin) headers.origin = origin;
  if (r.preflight) headers['access-control-request-method'] = 'GET';
  if (r.grpc) headers['content-type'] = 'application/grpc';
  return {
    port: r.tls ? 443 : 80,
    tls: r.tls,
    h2: r.h2,
    serverName: r.sni === 'same' ? r.host : r.sni,
    method: r.preflight ? 'OPTIONS' : r.grpc ? 'POST' : r.method,
    target: r.query ? `${r.path}?${r.query}` : r.path,
    headers,
  };
}

/** What came back: the status, the gateway's code and grpc-status if it answered itself, a Location, the echo's name. */
interface WireAnswer {
  readonly status: number;
  readonly code?: string;
  readonly grpcStatus?: number;
  readonly location?: string;
  readonly backend?: string;
}

function answerOf(status: number, headers: http.IncomingHttpHeaders, body: string): WireAnswer {
  let backend: string | undefined;
  try {
    backend = JSON.parse(body).pod;
  } catch {
    backend = undefined;
  }
  const grpc = headers['grpc-status'];
  return {
    status,
    ...(headers['x-gateway-error'] ? { code: String(headers['x-gateway-error']) } : {}),
    ...(grpc !== undefined ? { grpcStatus: Number(grpc) } : {}),
    ...(headers.location ? { location: String(headers.location) } : {}),
    ...(backend ? { backend } : {}),
  };
}

function send(w: WireRequest): Promise<WireAnswer> {
  const port = gw.ports.get(w.port)!;
  // no SNI for '' (a client connecting to an IP address sends none)
  const connectTls = (alpn: string) => tls.connect({ host: '127.0.0.1', port, servername: w.serverName || undefined, rejectUnauthorized: false, ALPNProtocols: [alpn] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
    const done = (a: WireAnswer) => {
      clearTimeout(timer);
      resolve(a);
    };
    if (w.h2) {
      const session = w.tls
        ? http2.connect(`https://127.0.0.1:${port}`, { createConnection: () => connectTls('h2') })
        : http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', reject);
      const { host, ...rest } = w.headers;
      const req = session.request({ ':method': w.method, ':path': w.target, ':authority': host, ...rest });
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      req.on('response', (h) => (head = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        session.close();
        done(answerOf(Number(head[':status']), head as http.IncomingHttpHeaders, Buffer.concat(chunks).toString()));
      });
      req.on('error', reject);
      req.end();
      return;
    }
    // a connection per request: no agent (with createConnection, which an agent would not call)
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: w.method,
      path: w.target,
      headers: w.headers,
      ...(w.tls ? { createConnection: () => connectTls('http/1.1') } : { agent: false }),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(answerOf(res.statusCode!, res.headers, Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end();
  });
}

function explain(config: DataPlaneConfig, w: WireRequest): Explanation {
  return explainRequest(config, { method: w.method, url: `${w.tls ? 'https' : 'http'}://gateway${w.target}`, headers: w.headers }, { port: w.port, serverName: w.serverName });
}

/** Why the wire's answer is not what explain says (undefined: they agree). */
function disagreement(e: Explanation, wire: WireAnswer, method: string): string | undefined {
  // the outcomes explain allows: one, or one per share of a weighted rule
  const shares = e.backends.filter((b) => b.outcome && b.weight > 0);
  const outcomes = shares.length > 0
    ? shares.map((b) => ({ ...b.outcome!, service: b.backend?.name }))
    : [{ code: e.code, status: e.status, grpcStatus: e.grpcStatus, redirect: e.redirect, service: undefined }];
  for (const o of outcomes) {
    if (o.code === 'GW_ROUTED') {
      if (wire.code === undefined && wire.backend !== undefined && wire.backend === o.service) return undefined;
      // a HEAD answer has no body to name the backend in: the backend's 200 is all there is
      if (method === 'HEAD' && wire.code === undefined && wire.status === 200 && wire.location === undefined) return undefined;
      continue;
    }
    const answeredByGateway = o.code === 'GW_REDIRECT' || o.code === 'GW_CORS_PREFLIGHT' ? wire.code === undefined : wire.code === o.code;
    const same = wire.status === o.status && wire.grpcStatus === o.grpcStatus && wire.location === o.redirect?.location;
    if (answeredByGateway && wire.backend === undefined && same) return undefined;
  }
  return `explain allows ${JSON.stringify(outcomes)}, the wire answered ${JSON.stringify(wire)}`;
}

// --- the property -----------------------------------------------------------------------------------

beforeAll(async () => {
  echoes = await startEchoServers(...SERVICES);
  const secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'default/wild', selfSignedCert(['example.com', '*.example.com', 'a.example.com', 'b.example.com', 'c.test']));
  volume = new AtomicVolume(tempDir('gw-configmap-'));
  volume.write({ 'config.json': JSON.stringify(compileSpec({ http: [undefined], https: [undefined], httpRoutes: [], grpcRoutes: [] })) });
  gw = await startDataPlane({
    config: volume.file('config.json'),
    secretsDir: secrets,
    backends: Object.fromEntries(echoes.map((e) => [`default/${e.name}:80`, e.target])),
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

const seen = new Map<string, number>();
function outcomeKey(e: Explanation, wire: WireAnswer): string {
  return `${wire.code ?? (wire.backend ? 'backend' : e.code)}${wire.grpcStatus !== undefined ? ' grpc' : ''}${e.backends.filter((b) => b.outcome).length > 1 ? ' weighted' : ''}`;
}
// EXPLAIN_WIRE_STATS=1: how many requests ended how (to check the generators still reach every outcome)
afterAll(() => {
  if (process.env.EXPLAIN_WIRE_STATS) console.log([...seen].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
});

test('the data plane answers every request the way explain says it does', async () => {
  const seed = process.env.EXPLAIN_WIRE_SEED ? Number(process.env.EXPLAIN_WIRE_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(gatewaySpec, fc.array(requestSpec, { minLength: 4, maxLength: 14 }), async (spec, requests) => {
      const config = compileSpec(spec);
      await serve(config);
      for (const r of requests) {
        const w = wireRequest(r);
        const e = explain(config, w);
        const wire = await send(w);
        seen.set(outcomeKey(e, wire), (seen.get(outcomeKey(e, wire)) ?? 0) + 1);
        const why = disagreement(e, wire, w.method);
        if (why) {
          throw new Error(`${why}\nrequest: ${JSON.stringify(w)}\n\nexplain:\n${formatExplanation(e)}\n\nconfig:\n${JSON.stringify(config, null, 1)}`);
        }
      }
    }),
    { numRuns: Number(process.env.EXPLAIN_WIRE_RUNS ?? 15), seed, path: process.env.EXPLAIN_WIRE_PATH, endOnFailure: true },
  );
}, 180_000);
