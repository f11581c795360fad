import { normalizeHost, normalizePath, routeRequest } from '../../src/router';

test.each([
  ['', '/'],
  ['/', '/'],
  ['/a//b', '/a/b'],
  ['/a/./b', '/a/b'],
  ['/a/../b', '/b'],
  ['/../../a', '/a'],
  ['/a/b/..', '/a/'],
  ['/a/%62', '/a/b'],
  ['/a%2fb', '/a%2Fb'],
  ['/abc/', '/abc/'],
])('normalizePath(%j) is %j', (raw, expected) => {
  expect(normalizePath(raw)).toBe(expected);
});

test.each([
  ['Foo.Example.com:8080', 'foo.example.com'],
  ['foo.example.com.', 'foo.example.com'],
  ['[::1]:80', '[::1]'],
  [undefined, ''],
])('normalizeHost(%j) is %j', (raw, expected) => {
  expect(normalizeHost(raw)).toBe(expected);
});

test('routeRequest reads method, host, path and query from a URL; a Host header wins', () => {
  const r = routeRequest({ method: 'post', url: 'https://shop.example.com:8443/api/cart?x=1&y=2', headers: { 'X-Env': 'prod' } });
  expect(r).toMatchObject({ method: 'POST', host: 'shop.example.com', path: '/api/cart', query: 'x=1&y=2', scheme: 'https', port: 8443 });
  expect(r.headers['x-env']).toBe('prod');
  expect(routeRequest({ url: 'http://a.example.com/', headers: { Host: 'b.example.com' } }).host).toBe('b.example.com');
  expect(routeRequest({ url: '/p?q', headers: { host: 'c.example.com' } })).toMatchObject({ host: 'c.example.com', path: '/p', query: 'q' });
});
