import fc from 'fast-check';
import { compileAll, gateway, gatewayClass, HTTP_ALL, httpRoute, prefixRule, service, V1 } from './fixtures';
import { compile, formatDiagnostic } from '../../src/compiler';
import { explainRequest, PortRouter, routeRequest } from '../../src/router';

function messages(objects: unknown[]): string[] {
  return compile(objects).diagnostics.map(formatDiagnostic);
}

describe('input the compiler cannot use is reported, naming the object and field', () => {
  test.each([
    ['a value that is not an object', ['just a string'], /object #0: is not a Kubernetes object/],
    ['an object without apiVersion', [{ kind: 'Gateway', metadata: { name: 'x' } }], /has no apiVersion/],
    ['an object without kind', [{ apiVersion: V1, metadata: { name: 'x' } }], /has no kind/],
    ['a wrong apiVersion for a known kind', [{ apiVersion: 'gateway.networking.k8s.io/v2', kind: 'HTTPRoute', metadata: { name: 'x' } }], /HTTPRoute is not served at gateway.networking.k8s.io\/v2: use gateway.networking.k8s.io\/v1/],
    ['an unknown kind in the Gateway API group', [{ apiVersion: V1, kind: 'HttpRoute', metadata: { name: 'x' } }], /unknown kind "HttpRoute".*did you mean "HTTPRoute"/],
    ['an object without metadata.name', [{ apiVersion: V1, kind: 'Gateway', metadata: {} }], /has no metadata.name/],
    ['a name that is not a DNS subdomain', [{ apiVersion: V1, kind: 'Gateway', metadata: { name: 'My_Gateway' } }], /metadata.name must be a lower-case DNS subdomain/],
    ['a field of the wrong type', [gatewayClass(), { ...gateway('gw', [{ name: 'http', port: '80', protocol: 'HTTP' }]) }], /Gateway infra\/gw: spec.listeners\[0\].port: must be an integer \(value: "80"\)/],
    ['a bad creationTimestamp', [httpRoute('r', {}, { creationTimestamp: 'yesterday' })], /metadata.creationTimestamp: must be an RFC 3339 timestamp/],
  ])('%s', (_n, objects, expected) => {
    expect(messages(objects)).toContainEqual(expect.stringMatching(expected));
  });

  test('two objects with the same kind, namespace and name: an error on each, one of them is used', () => {
    const a = httpRoute('dup', { rules: [prefixRule('/a', 'a')] });
    const b = httpRoute('dup', { rules: [prefixRule('/b', 'a')] });
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), a, b]);
    const dups = r.diagnostics.filter((d) => d.field === 'metadata.name');
    expect(dups).toHaveLength(2);
    expect(dups[0].message).toMatch(/2 objects are named HTTPRoute default\/dup \(inputs #3, #4\)/);
    expect(r.configs[0].httpRules).toHaveLength(1);
  });

  test('a path the CRD refuses (PathPrefix "api") is an error naming the route, field and value, and the route is not accepted', () => {
    // the API server would refuse this HTTPRoute: tools that read manifests (serve, compile, bundle) must not serve it quietly
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), httpRoute('api', { rules: [prefixRule('api', 'a')] })]);
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    expect(errors).toEqual([expect.stringMatching(/^HTTPRoute default\/api: spec\.rules\[0\]\.matches\[0\]\.path\.value: must start with "\/".*\(value: "api"\)$/)]);
    const accepted = r.status.find((s) => s.kind === 'HTTPRoute')!.parents![0].conditions.find((c) => c.type === 'Accepted')!;
    expect(accepted.status).toBe('False');
  });

  test('Deployments and other kinds the gateway does not read are ignored without noise', () => {
    expect(compile([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }]).diagnostics).toEqual([]);
  });

  test('a v1 List is read item by item', () => {
    const r = compile([{ apiVersion: 'v1', kind: 'List', items: [gatewayClass(), gateway('gw', [HTTP_ALL])] }]);
    expect(r.configs).toHaveLength(1);
  });
});

describe('input that names JavaScript prototype members is plain data (found by the fuzz test)', () => {
  test('kind "constructor" in the Gateway API group is an unknown kind', () => {
    expect(messages([{ apiVersion: V1, kind: 'constructor', metadata: { name: 'x' } }])).toContainEqual(expect.stringMatching(/unknown kind "constructor"/));
  });

  test('appProtocol "toString" is UnsupportedProtocol', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a', 'default', [{ port: 80, appProtocol: 'toString' }]), httpRoute('r', { rules: [prefixRule('/', 'a')] })]);
    expect(r.status.find((s) => s.kind === 'HTTPRoute')!.parents![0].conditions[1]).toMatchObject({ status: 'False', reason: 'UnsupportedProtocol' });
  });

  test('a header match named "constructor" only matches a real constructor header', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), httpRoute('r', { rules: [{ matches: [{ headers: [{ name: 'constructor', type: 'RegularExpression', value: '.*' }] }], backendRefs: [{ name: 'a', port: 80 }] }] })]);
    const router = PortRouter.build(r.configs[0], r.configs[0].ports[0]);
    expect(router.match(routeRequest({ url: 'http://h/' }))).toBeUndefined();
    expect(router.match(routeRequest({ url: 'http://h/', headers: { constructor: 'x' } }))).toBeDefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: whatever the input, compile() returns; the router builds and answers
// ---------------------------------------------------------------------------------------------

const valid = (): unknown[] => [
  gatewayClass(),
  gateway('gw', [HTTP_ALL, { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }, { name: 'tcp', port: 9000, protocol: 'TCP' }]),
  service('a'),
  httpRoute('r', {
    hostnames: ['a.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/x' }, headers: [{ name: 'x', value: '1' }], queryParams: [{ name: 'q', value: '1' }], method: 'GET' }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] } }],
        backendRefs: [{ name: 'a', port: 80, weight: 2 }],
        timeouts: { request: '10s' },
      },
    ],
  }),
  { apiVersion: V1, kind: 'TLSRoute', metadata: { name: 't', namespace: 'infra' }, spec: { parentRefs: [{ name: 'gw' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'a', port: 80 }] }] } },
  { apiVersion: V1, kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'default' }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'a' }], validation: { hostname: 'a', wellKnownCACertificates: 'System' } } },
];

/** Replaces one value somewhere inside `root` (found by walking `steps`) with `replacement`. */
function mutate(root: unknown, steps: number[], replacement: unknown): unknown {
  if (steps.length === 0 || root === null || typeof root !== 'object') return replacement;
  const keys = Object.keys(root);
  if (keys.length === 0) return replacement;
  const key = keys[steps[0] % keys.length];
  const copy = (Array.isArray(root) ? [...root] : { ...(root as Record<string, unknown>) }) as Record<string, unknown>;
  copy[key] = mutate((root as Record<string, unknown>)[key], steps.slice(1), replacement);
  return copy;
}

function exercise(objects: unknown): void {
  const result = compile(objects as unknown[]);
  for (const d of result.diagnostics) formatDiagnostic(d);
  for (const config of result.configs) {
    for (const port of config.ports) {
      const router = PortRouter.build(config, port);
      router.match(routeRequest({ url: 'http://a.example.com/x?q=1', headers: { x: '1' } }));
    }
    explainRequest(config, { url: 'http://a.example.com/x' });
  }
}

test('the compiler never throws on arbitrary values', () => {
  fc.assert(
    fc.property(fc.array(fc.anything({ maxDepth: 4 })), (objects) => {
      exercise(objects);
    }),
    { numRuns: 300 },
  );
});

test('the compiler never throws on valid objects with one field replaced by anything', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.anything({ maxDepth: 3, withNullPrototype: true }), (steps, replacement) => {
      exercise(mutate(valid(), steps, replacement));
    }),
    { numRuns: 1500 },
  );
});
