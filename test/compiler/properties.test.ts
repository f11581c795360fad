import fc from 'fast-check';
import { gateway, gatewayClass, HTTP_ALL, service, V1 } from './fixtures';
import { canonicalJson, compile, serializeConfig } from '../../src/compiler';
import { PortRouter, routeRequest } from '../../src/router';

// ---------------------------------------------------------------------------------------------
// Random route sets
// ---------------------------------------------------------------------------------------------

const HOSTS = ['a.example.com', 'b.example.com', '*.example.com', 'example.com', '*.b.example.com'];
const PATHS = ['/', '/a', '/a/b', '/ab', '/a/b/c', '/b'];
const HEADERS = ['x-a', 'x-b', 'X-A'];
const VALUES = ['1', '2'];
const QUERY = ['q', 'r'];
const TIMES = ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', undefined];

interface Match {
  path: { type: 'Exact' | 'PathPrefix'; value: string };
  method?: string;
  headers: { name: string; value: string }[];
  queryParams: { name: string; value: string }[];
}
interface GenRoute {
  namespace: string;
  name: string;
  created?: string;
  hostnames: string[];
  rules: { matches: Match[] }[];
}

const matchArb: fc.Arbitrary<Match> = fc.record({
  path: fc.record({ type: fc.constantFrom('Exact' as const, 'PathPrefix' as const), value: fc.constantFrom(...PATHS) }),
  method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  headers: fc.array(fc.record({ name: fc.constantFrom(...HEADERS), value: fc.constantFrom(...VALUES) }), { maxLength: 2 }),
  queryParams: fc.array(fc.record({ name: fc.constantFrom(...QUERY), value: fc.constantFrom(...VALUES) }), { maxLength: 2 }),
});

const routeArb = (hosts: readonly string[], names: readonly string[]): fc.Arbitrary<GenRoute> =>
  fc.record({
    namespace: fc.constantFrom('infra', 'team-a', 'team-b'),
    name: fc.constantFrom(...names),
    created: fc.constantFrom(...TIMES),
    hostnames: fc.uniqueArray(fc.constantFrom(...hosts), { maxLength: 2 }),
    rules: fc.array(fc.record({ matches: fc.array(matchArb, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 3 }),
  });

/** Few routes over several hostnames: small hostname buckets, scanned in order by the router. */
const routesArb = fc.uniqueArray(routeArb(HOSTS, ['r1', 'r2', 'r3', 'r4']), { maxLength: 6, selector: (r) => `${r.namespace}/${r.name}` });
/** Many routes over two hostnames: large buckets, which the router indexes by path hashes. */
const crowdedArb = fc.uniqueArray(
  routeArb(['a.example.com', '*.example.com'], Array.from({ length: 12 }, (_, i) => `r${i}`)),
  { minLength: 8, maxLength: 30, selector: (r) => `${r.namespace}/${r.name}` },
);

function toObject(r: GenRoute): Record<string, unknown> {
  return {
    apiVersion: V1,
    kind: 'HTTPRoute',
    metadata: { name: r.name, namespace: r.namespace, ...(r.created ? { creationTimestamp: r.created } : {}) },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'infra' }],
      hostnames: r.hostnames,
      rules: r.rules.map((rule) => ({ matches: rule.matches, backendRefs: [{ name: 'svc', namespace: 'infra', port: 80 }] })),
    },
  };
}

function inputs(routes: GenRoute[]): unknown[] {
  const grant = {
    apiVersion: `${V1}beta1`,
    kind: 'ReferenceGrant',
    metadata: { name: 'all', namespace: 'infra' },
    spec: { from: ['team-a', 'team-b'].map((namespace) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace })), to: [{ group: '', kind: 'Service' }] },
  };
  return [gatewayClass(), gateway('gw', [HTTP_ALL]), service('svc', 'infra'), grant, ...routes.map(toObject)];
}

// ---------------------------------------------------------------------------------------------
// The reference: a linear scan over every (route, rule, match) in the spec's precedence order
// ---------------------------------------------------------------------------------------------

interface Req {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
}

function hostScore(route: GenRoute, host: string): number[] | undefined {
  if (route.hostnames.length === 0) return [0, 0];
  let best: number[] | undefined;
  for (const h of route.hostnames) {
    const s = h === host ? [2, h.length] : h.startsWith('*.') && host.endsWith(h.slice(1)) && host.length > h.length - 1 ? [1, h.length] : undefined;
    if (s && (!best || s[0] > best[0] || (s[0] === best[0] && s[1] > best[1]))) best = s;
  }
  return best;
}

function pathMatches(m: Match, path: string): boolean {
  if (m.path.type === 'Exact') return path === m.path.value;
  const p = m.path.value;
  return p === '/' || path === p || path.startsWith(`${p}/`);
}

function firstByName<T extends { name: string }>(list: T[], lower: boolean): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = lower ? x.name.toLowerCase() : x.name;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function reference(routes: GenRoute[], req: Req): string | undefined {
  const candidates: { key: (number | string)[]; id: string }[] = [];
  for (const r of routes) {
    const hs = hostScore(r, req.host);
    if (!hs) continue;
    r.rules.forEach((rule, ri) =>
      rule.matches.forEach((m, mi) => {
        const headers = firstByName(m.headers, true);
        const query = firstByName(m.queryParams, false);
        if (!pathMatches(m, req.path)) return;
        if (m.method && m.method !== req.method) return;
        if (!headers.every((h) => req.headers[h.name.toLowerCase()] === h.value)) return;
        if (!query.every((q) => req.query[q.name] === q.value)) return;
        candidates.push({
          id: `${r.namespace}/${r.name}#${ri}.${mi}`,
          key: [
            -hs[0],
            -hs[1],
            m.path.type === 'Exact' ? 0 : 1,
            -m.path.value.length,
            m.method ? 0 : 1,
            -headers.length,
            -query.length,
            r.created ? 0 : 1,
            r.created ?? '',
            r.namespace,
            r.name,
            ri,
            mi,
          ],
        });
      }),
    );
  }
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
    return 0;
  });
  return candidates[0]?.id;
}

const requestArb: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  host: fc.constantFrom('a.example.com', 'b.example.com', 'x.b.example.com', 'y.b.example.com', 'example.com', 'other.net'),
  path: fc.constantFrom('/', '/a', '/a/', '/a/b', '/a/bc', '/ab', '/a/b/c/d', '/b/x', '/c'),
  headers: fc.dictionary(fc.constantFrom('x-a', 'x-b'), fc.constantFrom(...VALUES), { maxKeys: 2 }),
  query: fc.dictionary(fc.constantFrom(...QUERY), fc.constantFrom(...VALUES), { maxKeys: 2 }),
});

// ---------------------------------------------------------------------------------------------

test.each([
  ['few routes (scanned buckets)', routesArb, 500],
  ['many routes per hostname (indexed buckets)', crowdedArb, 150],
] as const)('the compiled router agrees with a linear scan over the spec precedence: %s', (_name, arb, numRuns) => {
  fc.assert(
    fc.property(arb, fc.array(requestArb, { minLength: 1, maxLength: 20 }), (routes, requests) => {
      const result = compile(inputs(routes));
      const config = result.configs[0];
      const router = PortRouter.build(config, config.ports[0]);
      for (const req of requests) {
        const query = Object.entries(req.query)
          .map(([k, v]) => `${k}=${v}`)
          .join('&');
        const d = router.match(routeRequest({ method: req.method, url: `http://${req.host}${req.path}${query ? `?${query}` : ''}`, headers: req.headers }));
        const got = d && `${d.rule.source.namespace}/${d.rule.source.name}#${d.rule.ruleIndex}.${d.entry.match}`;
        expect({ req, got }).toEqual({ req, got: reference(routes, req) });
      }
    }),
    { numRuns },
  );
});

test('the compiler is deterministic and independent of input order', () => {
  fc.assert(
    fc.property(
      routesArb.chain((routes) => fc.tuple(fc.constant(inputs(routes)), fc.shuffledSubarray(inputs(routes), { minLength: inputs(routes).length }))),
      ([objects, shuffled]) => {
        const a = compile(objects);
        const b = compile(shuffled);
        expect(a.configs.map(serializeConfig)).toEqual(b.configs.map(serializeConfig));
        expect(canonicalJson(a.status)).toBe(canonicalJson(b.status));
        const strip = (r: typeof a) => r.diagnostics.map((d) => canonicalJson({ ...d, object: { ...d.object, index: 0 } }));
        expect(strip(a)).toEqual(strip(b));
        // and byte-identical on a second run
        expect(compile(objects).configs.map(serializeConfig)).toEqual(a.configs.map(serializeConfig));
      },
    ),
    { numRuns: 150 },
  );
});
