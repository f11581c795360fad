/**
 * nginx's regular expressions (PCRE, `location ~* "^<path>"`) as the ECMAScript patterns the Gateway's routes
 * take: the same strings match, case-insensitively where nginx's `~*` is, and what ECMAScript cannot say is
 * refused with the reason.
 */
import { excludeLocation, locationRegex, pcreToEcma, searchRegex } from '../../src/migrate/pcre';

const full = (source: string) => new RegExp(`^(?:${source})$`);

test('~* matches letters in any case, in and outside classes', () => {
  const re = locationRegex('/foo/[a-c]{2}/Bar', true);
  expect('source' in re && re.source).toBe('/[fF][oO][oO]/[a-cA-C]{2}/[Bb][aA][rR].*');
  const m = full((re as { source: string }).source);
  expect(m.test('/FOO/AB/bar/x')).toBe(true);
  expect(m.test('/foo/ad/bar')).toBe(false);
});

test('a negated class refuses both cases, as PCRE with the caseless flag does', () => {
  const re = pcreToEcma('[^a]', true);
  expect(re).toEqual({ source: '[^aA]' });
});

test('nginx anchors only the first alternative of a top-level alternation', () => {
  // location ~* "^/a|/b": /a at the start, or /b anywhere
  const re = locationRegex('/a|/b', true) as { source: string };
  expect(full(re.source).test('/a/x')).toBe(true);
  expect(full(re.source).test('/x/b')).toBe(true);
  expect(full(re.source).test('/x/a')).toBe(false);
});

test('a named group (?P<n>...) becomes (?<n>...)', () => {
  expect(pcreToEcma('/(?P<id>[0-9]+)', false)).toEqual({ source: '/(?<id>[0-9]+)' });
});

test.each([
  ['/a++', 'a possessive quantifier'],
  ['/(?>a)', 'the group "(?>a"'],
  ['/\\Aa', '\\A (start of subject)'],
  ['/[[:alpha:]]', 'POSIX class'],
  ['/(?i)a', 'the group "(?i)"'],
])('%s is refused: %s', (pattern, why) => {
  const r = pcreToEcma(pattern, false);
  expect('error' in r && r.error).toContain(why);
});

test('an exclusion refuses what an earlier location takes', () => {
  const ex = excludeLocation('/foo/bar/[A-Z0-9]{3}', true) as { source: string };
  const later = locationRegex('/foo/bar/bar', true) as { source: string };
  const m = full(ex.source + later.source);
  expect(m.test('/foo/bar/bar')).toBe(false);
  expect(m.test('/foo/bar/ba')).toBe(false);
});

test('canary-by-header-pattern is searched anywhere in the value (ngx.re.match), case-sensitively', () => {
  const re = searchRegex('(tester|staff)-') as { source: string };
  expect(full(re.source).test('qa-tester-1')).toBe(true);
  expect(full(re.source).test('Tester-1')).toBe(false);
});
