import { CorsPlan } from '../../../src/dataplane/proxy/cors';
import { HeaderOps } from '../../../src/dataplane/proxy/header-ops';
import { SessionPlan } from '../../../src/dataplane/proxy/session';

describe('HeaderOps', () => {
  const f = (set: [string, string][], add: [string, string][], remove: string[]) => ({
    type: 'RequestHeaderModifier' as const,
    set: set.map(([name, value]) => ({ name, value })),
    add: add.map(([name, value]) => ({ name, value })),
    remove,
  });

  test('set drops the received value and appends the new one; add keeps it; remove drops it', () => {
    const ops = HeaderOps.compile([f([['X-Set', '1']], [['X-Add', '2']], ['X-Gone'])])!;
    expect([...ops.remove].sort()).toEqual(['x-gone', 'x-set']);
    expect(ops.append).toEqual(['X-Set', '1', 'X-Add', '2']);
  });

  test("a later filter's remove undoes an earlier add, and a backend's filters chain after the rule's", () => {
    const rule = HeaderOps.compile([f([], [['X-A', 'rule']], [])]);
    const backend = HeaderOps.compile([f([], [], ['x-a'])]);
    const ops = HeaderOps.chain(rule, backend)!;
    expect(ops.append).toEqual([]);
    expect(ops.remove.has('x-a')).toBe(true);
  });

  test('no filters, no ops', () => {
    expect(HeaderOps.compile([])).toBeUndefined();
  });
});

describe('CorsPlan', () => {
  const plan = new CorsPlan({
    type: 'CORS',
    allowOrigins: ['https://a.example', 'https://*.b.example', 'http://c.example:8080'],
    allowMethods: ['GET'],
    allowHeaders: ['x-h'],
    exposeHeaders: [],
    allowCredentials: false,
    maxAge: 0,
  });

  test('exact and wildcard origins; "*" matches any number of labels to its left', () => {
    expect(plan.allows('https://a.example')).toBe(true);
    expect(plan.allows('https://x.b.example')).toBe(true);
    expect(plan.allows('https://x.y.b.example')).toBe(true);
    expect(plan.allows('https://b.example')).toBe(false);
    expect(plan.allows('http://a.example')).toBe(false);
    expect(plan.allows('https://x.y.b.example/')).toBe(false);
    expect(plan.allows('null')).toBe(false);
  });

  test('ports take part: 443 is assumed for https, 80 for http', () => {
    expect(plan.allows('https://a.example:443')).toBe(true);
    expect(plan.allows('https://a.example:8443')).toBe(false);
    expect(plan.allows('https://x.b.example:8443')).toBe(false);
    expect(plan.allows('http://c.example:8080')).toBe(true);
    expect(plan.allows('http://c.example')).toBe(false);
  });

  test('"<scheme>://*" is a wildcard by itself: every host of that scheme, on its default port', () => {
    const scheme = new CorsPlan({ type: 'CORS', allowOrigins: ['https://*'], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAge: 5 });
    expect(scheme.allows('https://anything.example')).toBe(true);
    expect(scheme.allows('http://anything.example')).toBe(false);
    expect(scheme.allows('https://anything.example:8443')).toBe(false);
  });

  test('a preflight answer echoes the origin and defaults max-age to 5 s', () => {
    expect(plan.preflightHeaders('https://a.example', 'GET', undefined)).toEqual([
      'access-control-allow-origin', 'https://a.example',
      'access-control-allow-methods', 'GET', 'access-control-allow-headers', 'x-h', 'access-control-max-age', '5', 'vary', 'Origin',
    ]);
  });

  test('"*" without credentials answers "*" for methods and headers, and echoes the origin', () => {
    const any = new CorsPlan({ type: 'CORS', allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: ['*'], allowCredentials: false, maxAge: 1 });
    expect(any.preflightHeaders('https://z.example', 'PUT', 'x-a')).toEqual([
      'access-control-allow-origin', 'https://z.example', 'access-control-allow-methods', '*', 'access-control-allow-headers', '*',
      'access-control-expose-headers', '*', 'access-control-max-age', '1', 'vary', 'Origin',
    ]);
  });

  test('"*" with credentials echoes the requested method and headers, never "*"', () => {
    const creds = new CorsPlan({ type: 'CORS', allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: ['*'], allowCredentials: true, maxAge: 1 });
    expect(creds.preflightHeaders('https://z.example', 'PUT', 'x-a, x-b')).toEqual([
      'access-control-allow-origin', 'https://z.example', 'access-control-allow-credentials', 'true',
      'access-control-allow-methods', 'PUT', 'access-control-allow-headers', 'x-a, x-b', 'access-control-max-age', '1',
      'vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    ]);
    // no Access-Control-Request-Headers: no Access-Control-Allow-Headers
    expect(creds.preflightHeaders('https://z.example', 'PUT', undefined)).not.toContain('access-control-allow-headers');
    expect(creds.exposeResponseHeaders).toBe(true);
  });
});

describe('SessionPlan', () => {
  test('a cookie token names its backend until the absolute timeout', () => {
    const s = new SessionPlan({ type: 'Cookie', sessionName: 'sid', absoluteTimeoutMs: 1000, cookieLifetime: 'Permanent' }, '/');
    const [name, value] = s.responseHeader('ns/svc:80', 5000, 5000);
    expect(name).toBe('set-cookie');
    expect(value).toMatch(/^sid=[\w-]+; Path=\/; HttpOnly; Max-Age=1$/);
    const cookie = `a=b; ${value.split(';')[0]}`;
    expect(s.backendOf(cookie, 5500)).toEqual({ backend: 'ns/svc:80', issued: 5000 });
    expect(s.backendOf(cookie, 6001)).toBeUndefined();
    expect(s.backendOf('sid=garbage', 5500)).toBeUndefined();
  });

  test('a header token expires after the idle timeout unless refreshed', () => {
    const s = new SessionPlan({ type: 'Header', sessionName: 'X-Session', idleTimeoutMs: 100 }, '/');
    const [name, token] = s.responseHeader('ns/svc:80', 0, 1000);
    expect(name).toBe('X-Session');
    expect(s.refreshes).toBe(true);
    expect(s.backendOf(token, 1050)?.backend).toBe('ns/svc:80');
    expect(s.backendOf(token, 1101)).toBeUndefined();
  });
});
