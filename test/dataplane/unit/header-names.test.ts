import { CaseInsensitiveNames, lineStart, lowerCaseName } from '../../../src/dataplane/proxy/header-names';
import { RESPONSE_HOP_BY_HOP } from '../../../src/dataplane/proxy/hop-by-hop';

// what toLowerCase does to these, the shortcuts must do too
const NAMES = [
  'content-length', 'Content-Length', 'CONTENT-LENGTH', 'cOnTeNt-LeNgTh', 'Content-Lengtx', 'Content-Type', 'Connection', 'connectioN',
  'Keep-Alive', 'keep_alive', 'TE', 'Te', 'tE', 'Trailer', 'Upgrade', 'Proxy-Authenticate', 'Proxy-Connection', 'Transfer-Encoding',
  'Server', 'Date', 'X', '', '\u212Aeep-Alive' /* Kelvin sign: lower-cases to k */, 'Upgrad\u0130', '\u0130e', 'Ünicode',
];

test('CaseInsensitiveNames.find is a lookup of the lower-cased name', () => {
  const set = new Set([...RESPONSE_HOP_BY_HOP, 'content-length']);
  const names = new CaseInsensitiveNames(set);
  for (const n of NAMES) expect([n, names.find(n)]).toEqual([n, set.has(n.toLowerCase()) ? n.toLowerCase() : undefined]);
});

test('lowerCaseName is toLowerCase, also past its cache bound', () => {
  for (const n of NAMES) expect(lowerCaseName(n)).toBe(n.toLowerCase());
  // more distinct names than the cache holds: it is emptied and refilled, answers stay right
  const many = Array.from({ length: 1500 }, (_, i) => `X-Header-${i}`);
  expect(many.map(lowerCaseName)).toEqual(many.map((n) => n.toLowerCase()));
  for (const n of NAMES) expect(lowerCaseName(n)).toBe(n.toLowerCase());
  const long = 'X-' + 'Long'.repeat(40);
  expect(lowerCaseName(long)).toBe(long.toLowerCase());
});

test('lineStart is CRLF, the name and a colon, also past its cache bound', () => {
  const names = [...NAMES, ...Array.from({ length: 1500 }, (_, i) => `X-Header-${i}`), 'X-' + 'Long'.repeat(40), ...NAMES];
  expect(names.map(lineStart)).toEqual(names.map((n) => `\r\n${n}: `));
});
