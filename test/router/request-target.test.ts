import { normalizeTarget } from '../../src/router/request-target';

describe('normalizeTarget', () => {
  test.each([
    ['/a/b?x=1', '/a/b', 'x=1'],
    ['/a/./b/../c', '/a/c', ''],
    ['/a//b', '/a/b', ''],
    ['/%61%62c', '/abc', ''],
    ['/a/%2e%2e/b', '/b', ''],
    ['/../../x', '/x', ''],
    ['/a%20b', '/a%20b', ''],
    ['/a?', '/a', ''],
  ])('%s → path %s, query %s', (target, path, query) => {
    expect(normalizeTarget(target)).toEqual({ path, query });
  });

  test('absolute-form targets yield the authority', () => {
    expect(normalizeTarget('http://Example.com:8080/a/../b?q')).toEqual({ path: '/b', query: 'q', authority: 'Example.com:8080' });
    expect(normalizeTarget('https://example.com')).toEqual({ path: '/', query: '', authority: 'example.com' });
  });

  test.each(['/a%2Fb', '/a%2fb', '/a%5Cb', '/a%00', '/a%zz', '/a%4', '/a#frag', '*', 'example.com:443', 'http://user@host/'])(
    '%s is refused', (target) => {
      expect(normalizeTarget(target)).toBeUndefined();
    });
});
