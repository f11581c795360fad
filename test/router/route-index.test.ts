import { EntrySpec, httpConfig } from './fixtures';
import { PortRouter, routeRequest } from '../../src/router';
import { firstSegmentHash } from '../../src/router/path-index';

// The RouteIndex keys its table by cheap hashes (a hostname's first label and length, a path's first segment)
// and packs entry indexes into uint16 pairs. These tests aim at those shortcuts: each would route a request
// to a wrong route if the index trusted a hash or dropped the high half of an index.

function router(entries: EntrySpec[]): PortRouter {
  const { config, port } = httpConfig([{ name: 'http', entries }]);
  return PortRouter.build(config, port);
}

function routeOf(r: PortRouter, url: string, headers: Record<string, string> = {}): string | undefined {
  return r.match(routeRequest({ url, headers }))?.rule.source.name;
}

const prefix = (value: string) => ({ type: 'PathPrefix' as const, value });
const exact = (value: string) => ({ type: 'Exact' as const, value });

test('hostnames with the same first label and length (the same hash) keep their own routes', () => {
  const r = router([
    { route: 'a', hostnames: ['api.aaa.com'] },
    { route: 'b', hostnames: ['api.bbb.com'] },
    { route: 'wild-a', hostnames: ['*.x.aaa.com'] },
    { route: 'wild-b', hostnames: ['*.x.bbb.com'] },
  ]);
  expect(routeOf(r, 'http://api.aaa.com/')).toBe('a');
  expect(routeOf(r, 'http://api.bbb.com/')).toBe('b');
  expect(routeOf(r, 'http://api.ccc.com/')).toBeUndefined();
  expect(routeOf(r, 'http://q.x.aaa.com/')).toBe('wild-a');
  expect(routeOf(r, 'http://q.x.bbb.com/')).toBe('wild-b');
  expect(routeOf(r, 'http://q.x.ccc.com/')).toBeUndefined();
});

test('an exact host that looks like a wildcard suffix does not get the wildcard routes', () => {
  const r = router([{ route: 'wild', hostnames: ['*.example.com'] }]);
  expect(routeOf(r, 'http://a.example.com/')).toBe('wild');
  // the request host `.example.com` is the suffix itself: no label for the `*`
  expect(r.match({ method: 'GET', host: '.example.com', path: '/', query: '', headers: {} })).toBeUndefined();
});

test('routes that share a first segment are told apart by the rest of their path', () => {
  const r = router([
    { route: 'ab', hostnames: ['h.example.com'], path: prefix('/a/b') },
    { route: 'ac', hostnames: ['h.example.com'], path: exact('/a/c') },
  ]);
  expect(routeOf(r, 'http://h.example.com/a/b/x')).toBe('ab');
  expect(routeOf(r, 'http://h.example.com/a/c')).toBe('ac');
  expect(routeOf(r, 'http://h.example.com/a/d/x')).toBeUndefined();
  expect(routeOf(r, 'http://h.example.com/a/x')).toBeUndefined();
});

test('many first segments share the table\'s slots: each request finds its own', () => {
  const entries: EntrySpec[] = Array.from({ length: 300 }, (_, i) => ({ route: `r${i}`, hostnames: ['h.example.com'], path: prefix(`/s${i}`) }));
  const r = router(entries);
  for (let i = 0; i < 300; i++) expect(routeOf(r, `http://h.example.com/s${i}/x`)).toBe(`r${i}`);
  expect(routeOf(r, 'http://h.example.com/s300')).toBeUndefined();
});

test('a large group under one segment (a PathIndex) falls through to the hostname\'s `/` route, then to a wildcard', () => {
  const entries: EntrySpec[] = [
    ...Array.from({ length: 40 }, (_, i) => ({ route: `api${i}`, hostnames: ['shop.example.com'], path: exact(`/api/v${i}`) })),
    { route: 'api-header', hostnames: ['shop.example.com'], path: prefix('/api'), headers: [{ type: 'Exact' as const, name: 'x-canary', value: '1' }] },
    { route: 'root', hostnames: ['shop.example.com'], path: prefix('/'), method: 'GET' },
    { route: 'wild', hostnames: ['*.example.com'] },
  ];
  const r = router(entries);
  expect(routeOf(r, 'http://shop.example.com/api/v17')).toBe('api17');
  expect(routeOf(r, 'http://shop.example.com/api/v17/x', { 'x-canary': '1' })).toBe('api-header');
  expect(routeOf(r, 'http://shop.example.com/api/v17/x')).toBe('root');
  expect(r.match(routeRequest({ method: 'POST', url: 'http://shop.example.com/api/v17/x' }))?.rule.source.name).toBe('wild');
});

test('entry and hostname numbers above 65,535 survive the uint16 pool', () => {
  const n = 70_000;
  const entries: EntrySpec[] = Array.from({ length: n }, (_, i) => ({ route: `r${i}`, hostnames: [`h${i}.example.com`], path: exact('/x') }));
  const r = router(entries);
  for (const i of [0, 65_535, 65_536, 69_999]) expect(routeOf(r, `http://h${i}.example.com/x`)).toBe(`r${i}`);
});

describe('two first segments with the same hash', () => {
  // found by enumeration: two distinct segments whose 30-bit hashes are equal, so their records share a key
  const [a, b] = (() => {
    const seen = new Map<number, string>();
    for (let i = 0; ; i++) {
      const s = `c${i.toString(36)}`;
      const h = firstSegmentHash(`/${s}`);
      const other = seen.get(h);
      if (other !== undefined) return [other, s];
      seen.set(h, s);
    }
  })();
  const big: EntrySpec[] = Array.from({ length: 20 }, (_, k) => ({ route: `a${k}`, hostnames: ['h.example.com'], path: exact(`/${a}/v${k}`) }));
  const small: EntrySpec[] = [{ route: 'b', hostnames: ['h.example.com'], path: exact(`/${b}/x`) }];

  test.each([
    ['the large group (a PathIndex) first', [...big, ...small]],
    ['the small group first', [...small, ...big]],
  ])('each keeps its own routes, %s', (_name, entries) => {
    expect(firstSegmentHash(`/${a}`)).toBe(firstSegmentHash(`/${b}`));
    const r = router(entries);
    expect(routeOf(r, `http://h.example.com/${a}/v7`)).toBe('a7');
    expect(routeOf(r, `http://h.example.com/${b}/x`)).toBe('b');
    expect(routeOf(r, `http://h.example.com/${b}/v7`)).toBeUndefined();
    expect(routeOf(r, `http://h.example.com/${a}/x`)).toBeUndefined();
  });
});
