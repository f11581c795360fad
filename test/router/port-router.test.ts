import { EntrySpec, httpConfig, ListenerSpec } from './fixtures';
import { PortRouter, routeRequest } from '../../src/router';

function routeOf(listeners: ListenerSpec[], method: string, url: string, headers: Record<string, string> = {}): string | undefined {
  const { config, port } = httpConfig(listeners);
  const d = PortRouter.build(config, port).match(routeRequest({ method, url, headers }));
  return d && `${d.listener.name}:${d.rule.source.name}`;
}

const any = (entries: EntrySpec[]): ListenerSpec[] => [{ name: 'http', entries }];
const prefix = (value: string) => ({ type: 'PathPrefix' as const, value });
const exact = (value: string) => ({ type: 'Exact' as const, value });
const regex = (value: string) => ({ type: 'RegularExpression' as const, value });

describe('path matching', () => {
  test.each([
    ['prefix /abc matches /abc', [{ route: 'abc', path: prefix('/abc') }], '/abc', 'abc'],
    ['prefix /abc matches /abc/ (trailing slash)', [{ route: 'abc', path: prefix('/abc') }], '/abc/', 'abc'],
    ['prefix /abc matches /abc/def', [{ route: 'abc', path: prefix('/abc') }], '/abc/def', 'abc'],
    ['prefix /abc does not match /abcd (whole segments)', [{ route: 'abc', path: prefix('/abc') }], '/abcd', undefined],
    ['prefix /abc/ is the same as /abc', [{ route: 'abc', path: prefix('/abc/') }], '/abc', 'abc'],
    ['prefix / matches everything', [{ route: 'root', path: prefix('/') }], '/x/y/z', 'root'],
    ['exact /abc does not match /abc/', [{ route: 'abc', path: exact('/abc') }], '/abc/', undefined],
    [
      'exact beats a prefix of the same value',
      [
        { route: 'prefix', path: prefix('/abc') },
        { route: 'exact', path: exact('/abc') },
      ],
      '/abc',
      'exact',
    ],
    [
      'the longest prefix wins',
      [
        { route: 'short', path: prefix('/a') },
        { route: 'long', path: prefix('/a/b') },
      ],
      '/a/b/c',
      'long',
    ],
    [
      'a shorter prefix still matches when the longer one does not',
      [
        { route: 'short', path: prefix('/a') },
        { route: 'long', path: prefix('/a/b') },
      ],
      '/a/bc',
      'short',
    ],
    ['a regex path is a full match', [{ route: 'v', path: regex('/v[0-9]') }], '/v1/x', undefined],
    ['a regex path matches the whole path', [{ route: 'v', path: regex('/v[0-9]/.*') }], '/v1/x', 'v'],
    [
      'exact and prefix come before a regex',
      [
        { route: 're', path: regex('/.*') },
        { route: 'root', path: prefix('/') },
      ],
      '/x',
      'root',
    ],
    ['an invalid regex never matches and does not throw', [{ route: 'bad', path: regex('(') }], '/(', undefined],
    ['dot segments are removed before matching', [{ route: 'b', path: exact('/a/b') }], '/a/./x/../b', 'b'],
  ] as [string, EntrySpec[], string, string | undefined][])('%s', (_name, entries, path, expected) => {
    expect(routeOf(any(entries), 'GET', `http://h.example${path}`)?.split(':')[1]).toBe(expected);
  });
});

describe('predicates after the path', () => {
  test('method, headers and query parameters must all hold', () => {
    const entries: EntrySpec[] = [
      {
        route: 'all',
        method: 'POST',
        headers: [{ type: 'Exact', name: 'version', value: 'two' }],
        queryParams: [{ type: 'Exact', name: 'animal', value: 'whale' }],
      },
      { route: 'fallback' },
    ];
    expect(routeOf(any(entries), 'POST', 'http://h/?animal=whale', { Version: 'two' })).toBe('http:all');
    expect(routeOf(any(entries), 'GET', 'http://h/?animal=whale', { Version: 'two' })).toBe('http:fallback');
    expect(routeOf(any(entries), 'POST', 'http://h/?animal=dolphin', { Version: 'two' })).toBe('http:fallback');
    expect(routeOf(any(entries), 'POST', 'http://h/?animal=whale', { Version: 'one' })).toBe('http:fallback');
  });

  test('only the first value of a repeated query parameter counts', () => {
    const entries: EntrySpec[] = [{ route: 'whale', queryParams: [{ type: 'Exact', name: 'animal', value: 'whale' }] }];
    expect(routeOf(any(entries), 'GET', 'http://h/?animal=whale&animal=dolphin')).toBe('http:whale');
    expect(routeOf(any(entries), 'GET', 'http://h/?animal=dolphin&animal=whale')).toBeUndefined();
  });

  test('query values are percent-decoded and names are case-sensitive', () => {
    const entries: EntrySpec[] = [{ route: 'q', queryParams: [{ type: 'Exact', name: 'color', value: 'light blue' }] }];
    expect(routeOf(any(entries), 'GET', 'http://h/?color=light%20blue')).toBe('http:q');
    expect(routeOf(any(entries), 'GET', 'http://h/?Color=light%20blue')).toBeUndefined();
  });

  test('header regular expressions are full matches', () => {
    const entries: EntrySpec[] = [{ route: 're', headers: [{ type: 'RegularExpression', name: 'x-v', value: 'v[12]' }] }];
    expect(routeOf(any(entries), 'GET', 'http://h/', { 'X-V': 'v1' })).toBe('http:re');
    expect(routeOf(any(entries), 'GET', 'http://h/', { 'X-V': 'v12' })).toBeUndefined();
  });
});

describe('hostnames', () => {
  const entries: EntrySpec[] = [
    { route: 'wild', hostnames: ['*.example.com'] },
    { route: 'exact', hostnames: ['foo.example.com'], path: prefix('/api') },
    { route: 'any' },
  ];
  test.each([
    ['an exact hostname beats a wildcard', 'http://foo.example.com/api', 'exact'],
    ['a less specific hostname bucket serves what the exact one does not match', 'http://foo.example.com/web', 'wild'],
    ['*.example.com matches several labels', 'http://a.b.example.com/', 'wild'],
    ['*.example.com does not match example.com', 'http://example.com/', 'any'],
    ['host matching ignores case, port and trailing dot', 'http://FOO.Example.COM.:8080/api', 'exact'],
  ])('%s', (_name, url, expected) => {
    expect(routeOf(any(entries), 'GET', url)?.split(':')[1]).toBe(expected);
  });

  test('a longer wildcard beats a shorter one', () => {
    const e: EntrySpec[] = [
      { route: 'short', hostnames: ['*.com'] },
      { route: 'long', hostnames: ['*.example.com'] },
    ];
    expect(routeOf(any(e), 'GET', 'http://a.example.com/')).toBe('http:long');
    expect(routeOf(any(e), 'GET', 'http://a.other.com/')).toBe('http:short');
  });
});

describe('listener isolation', () => {
  const listeners: ListenerSpec[] = [
    { name: 'empty', hostname: '*.example.com', entries: [{ route: 'wild', hostnames: ['*.example.com'] }] },
    { name: 'foo', hostname: 'foo.example.com', entries: [{ route: 'foo', hostnames: ['foo.example.com'], path: prefix('/foo') }] },
    { name: 'catchall', entries: [{ route: 'catchall' }] },
  ];

  test('the most specific listener owns a host, and only its routes are consulted', () => {
    expect(routeOf(listeners, 'GET', 'http://foo.example.com/foo')).toBe('foo:foo');
    // the wildcard listener's route would match /bar, but foo.example.com belongs to listener "foo"
    expect(routeOf(listeners, 'GET', 'http://foo.example.com/bar')).toBeUndefined();
    expect(routeOf(listeners, 'GET', 'http://bar.example.com/bar')).toBe('empty:wild');
    expect(routeOf(listeners, 'GET', 'http://other.net/')).toBe('catchall:catchall');
  });

  test('listenerFor picks exact, then longest wildcard, then the listener without hostname', () => {
    const { config, port } = httpConfig(listeners);
    const router = PortRouter.build(config, port);
    expect(router.listenerFor('foo.example.com')?.name).toBe('foo');
    expect(router.listenerFor('x.foo.example.com')?.name).toBe('empty');
    expect(router.listenerFor('example.com')?.name).toBe('catchall');
  });

  test('a listener chosen by SNI is used as given', () => {
    const { config, port } = httpConfig(listeners);
    const router = PortRouter.build(config, port);
    const d = router.match(routeRequest({ url: 'http://foo.example.com/x' }), port.listeners[0]);
    expect(d?.rule.source.name).toBe('wild');
  });
});

test('the decision is built once: matching twice returns the same object', () => {
  const { config, port } = httpConfig(any([{ route: 'r', path: prefix('/a') }]));
  const router = PortRouter.build(config, port);
  const a = router.match(routeRequest({ url: 'http://h/a/1' }));
  const b = router.match(routeRequest({ url: 'http://h/a/2' }));
  expect(a).toBeDefined();
  expect(a).toBe(b);
  expect(a!.ruleIndex).toBe(0);
});
