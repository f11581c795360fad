/** Gateway API hostname semantics: a wildcard matches one or more labels in front of its suffix, never the suffix itself. */
import { hostnameCovers, hostnameIntersection, hostnameMatches, hostnamesIntersect } from '../../src/spec/hostname';

test.each([
  ['shop.example.com', 'shop.example.com', true],
  ['*.example.com', 'shop.example.com', true],
  ['*.example.com', 'a.b.example.com', true],
  ['*.example.com', '*.shop.example.com', true],
  ['*.example.com', 'example.com', false],
  ['*.example.com', 'shop.example.org', false],
  ['*.example.com', 'badexample.com', false],
  ['shop.example.com', '*.example.com', false],
  ['*.shop.example.com', '*.example.com', false],
])('a grant of %s covers %s: %s', (grant, host, expected) => {
  expect(hostnameCovers(grant, host)).toBe(expected);
});

test.each([
  ['*.example.com', 'shop.example.com', true],
  ['shop.example.com', '*.example.com', true],
  ['*.example.com', '*.shop.example.com', true],
  ['*.example.com', '*.example.com', true],
  ['*.example.com', 'example.com', false],
  ['a.example.com', 'b.example.com', false],
])('listener %s and route %s intersect: %s', (a, b, expected) => {
  expect(hostnamesIntersect(a, b)).toBe(expected);
  expect(hostnamesIntersect(b, a)).toBe(expected);
});

test.each([
  ['*.example.com', 'shop.example.com', true],
  ['*.example.com', 'a.b.example.com', true],
  ['*.example.com', 'example.com', false],
  ['*.example.com', '.example.com', false],
  ['shop.example.com', 'shop.example.com', true],
  ['shop.example.com', 'shop.example.com.', false],
])('pattern %s matches host %s: %s', (pattern, host, expected) => {
  expect(hostnameMatches(pattern, host)).toBe(expected);
});

test.each([
  ['*.example.com', 'shop.example.com', 'shop.example.com'],
  ['*.example.com', '*.shop.example.com', '*.shop.example.com'],
  ['*.example.com', '*.example.com', '*.example.com'],
  ['shop.example.com', 'shop.example.com', 'shop.example.com'],
  ['*.example.com', 'example.com', undefined],
  ['a.example.com', 'b.example.com', undefined],
  ['*.a.example.com', '*.b.example.com', undefined],
])('the hosts both %s and %s match: %s', (a, b, expected) => {
  expect(hostnameIntersection(a, b)).toBe(expected);
  expect(hostnameIntersection(b, a)).toBe(expected);
});
