/**
 * The HTTPRoute CORS filter on the wire, one test per rule of its field descriptions (Gateway API v1.6.1,
 * HTTPRouteFilter.cors, GEP-1767), and the conformance suite's HTTPRouteCORS cases on its own manifest
 * (conformance/tests/httproute-cors.yaml, compiled with the suite's base manifests and served by the data plane).
 */
import { compileConformance, conformanceConfig, conformanceManifestsPresent, conformanceRoute, infraBackend } from '../support/conformance';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request, SimpleResponse } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

const route = (name: string, path: string, cors: Record<string, unknown>, onBackendRef = false) => conformanceRoute(name, path, onBackendRef
  ? { backendRefs: [{ name: 'infra-backend-v1', port: 8080, filters: [{ type: 'CORS', cors }] }] }
  : { filters: [{ type: 'CORS', cors }] });
/** Routes next to the suite's, for the rules its manifest does not exercise. */
const ours = [
  route('cors-ports', '/ours/ports', { allowOrigins: ['https://app.example.com', 'http://dev.example.com:8080', 'https://*.example.org'] }),
  route('cors-expose-all-credentials', '/ours/expose-all', { allowOrigins: ['https://app.example.com'], exposeHeaders: ['*'], allowCredentials: true }),
  route('cors-expose-all', '/ours/expose-any', { allowOrigins: ['https://app.example.com'], exposeHeaders: ['*'] }),
  route('cors-defaults', '/ours/defaults', { allowOrigins: ['https://app.example.com'] }),
  route('cors-on-backend', '/ours/backend', { allowOrigins: ['https://app.example.com'], allowMethods: ['PATCH'] }, true),
];

const maybe = conformanceManifestsPresent() ? describe : describe.skip;

maybe('CORS', () => {
  let gw: Spawned;
  let echoes: RunningEcho[];

  beforeAll(async () => {
    echoes = await startEchoServers('infra-backend-v1');
    const result = compileConformance('httproute-cors.yaml', ours);
    gw = await startDataPlane({ config: conformanceConfig(result, 'same-namespace'), backends: { [infraBackend('infra-backend-v1')]: echoes[0].target } });
  });

  afterAll(async () => {
    await gw?.stop();
    await Promise.all((echoes ?? []).map((e) => e.close()));
  });

  const preflight = (path: string, origin: string, method: string, headers?: string): Promise<SimpleResponse> => request(gw.url(80, path), {
    method: 'OPTIONS',
    headers: { 'origin': origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) },
  });
  const get = (path: string, origin?: string, method = 'GET'): Promise<SimpleResponse> => request(gw.url(80, path), { method, headers: origin ? { origin } : {} });
  const list = (v: string | string[] | undefined) => String(v ?? '').split(',').map((x) => x.trim()).filter((x) => x).sort();

  describe('the conformance suite\'s HTTPRouteCORS cases (httproute-cors.yaml)', () => {
    test('a preflight from an exact allowed origin is answered by the gateway with every configured header', async () => {
      const res = await preflight('/cors-1', 'https://www.foo.com', 'GET', 'x-header-1, x-header-2');
      expect(res.status).toBe(200);
      expect(res.body).toBe(''); // the gateway's answer, not the echo backend's JSON
      expect(res.headers['access-control-allow-origin']).toBe('https://www.foo.com');
      expect(list(res.headers['access-control-allow-methods'])).toEqual(['GET', 'OPTIONS']);
      expect(list(res.headers['access-control-allow-headers'])).toEqual(['x-header-1', 'x-header-2']);
      expect(list(res.headers['access-control-expose-headers'])).toEqual(['x-header-3', 'x-header-4']);
      expect(res.headers['access-control-max-age']).toBe('3600');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    test.each(['https://www.bar.com', 'https://xpto.www.bar.com'])('"https://*.bar.com" allows %s (any number of labels left of "*")', async (origin) => {
      const res = await preflight('/cors-1', origin, 'GET', 'x-header-1, x-header-2');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
    });

    test('a preflight from an origin that is not allowed gets 200 without CORS headers', async () => {
      const res = await preflight('/cors-1', 'https://foobar.com', 'GET');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    });

    test('a simple request from an allowed origin reaches the backend and gets the origin echoed', async () => {
      for (const origin of ['https://www.foo.com', 'https://www.bar.com']) {
        const res = await get('/cors-1', origin);
        expect(res.json.pod).toBe('infra-backend-v1');
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      }
    });

    test('a simple request from an origin that is not allowed gets no Access-Control-Allow-Origin', async () => {
      const res = await get('/cors-1', 'https://foobar.com');
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    test('allowMethods "*" without credentials: "*", and no Access-Control-Allow-Credentials', async () => {
      const res = await preflight('/cors-2', 'https://www.foo.com', 'POST');
      expect(res.headers['access-control-allow-methods']).toBe('*');
      expect(res.headers['access-control-allow-origin']).toBe('https://www.foo.com');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    test('allowOrigins "*" allows an origin with a port, preflight and actual request', async () => {
      const pre = await preflight('/cors-wildcard-origin', 'https://foobar.com:12345', 'PUT');
      expect(pre.headers['access-control-allow-origin']).toBe('https://foobar.com:12345');
      expect(pre.headers['access-control-allow-methods']).toBe('PUT');
      expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
      const put = await get('/cors-wildcard-origin', 'https://foobar.com:12345', 'PUT');
      expect(put.status).toBe(200);
      expect(put.headers['access-control-allow-origin']).toBe('https://foobar.com:12345');
    });

    test('"*" methods and headers with credentials echo the requested method and headers, never "*"', async () => {
      const res = await preflight('/cors-wildcard-methods-headers', 'https://other.foo.com', 'PUT', 'x-header-1, x-header-2');
      expect(res.headers['access-control-allow-origin']).toBe('https://other.foo.com');
      expect(res.headers['access-control-allow-methods']).toBe('PUT');
      expect(list(res.headers['access-control-allow-headers'])).toEqual(['x-header-1', 'x-header-2']);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      const simple = await request(gw.url(80, '/cors-wildcard-methods-headers'), { headers: { origin: 'https://other.foo.com', authorization: 'Bearer test' } });
      expect(simple.headers['access-control-allow-origin']).toBe('https://other.foo.com');
      expect(simple.headers['access-control-allow-credentials']).toBe('true');
    });

    test('the same without credentials: no Access-Control-Allow-Credentials, the origin still echoed', async () => {
      const res = await preflight('/cors-wildcard-methods-headers-unauth', 'https://other.foo.com', 'PUT', 'x-header-1, x-header-2');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBe('*');
      expect(res.headers['access-control-allow-headers']).toBe('*');
      const simple = await request(gw.url(80, '/cors-wildcard-methods-headers-unauth'), { headers: { origin: 'https://other.foo.com', authorization: 'Bearer test' } });
      expect(simple.headers['access-control-allow-origin']).toBe('https://other.foo.com');
      expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });

  describe('rules of the field descriptions', () => {
    test('allowOrigins: without a port, 443 is assumed for https and 80 for http, and the port must match', async () => {
      expect((await get('/ours/ports', 'https://app.example.com:443')).headers['access-control-allow-origin']).toBe('https://app.example.com:443');
      expect((await get('/ours/ports', 'https://app.example.com:8443')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await get('/ours/ports', 'http://dev.example.com:8080')).headers['access-control-allow-origin']).toBe('http://dev.example.com:8080');
      expect((await get('/ours/ports', 'http://dev.example.com')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await get('/ours/ports', 'https://a.b.example.org')).headers['access-control-allow-origin']).toBe('https://a.b.example.org');
      expect((await get('/ours/ports', 'https://a.b.example.org:8443')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await get('/ours/ports', 'http://app.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    });

    test('maxAge unset: Access-Control-Max-Age 5; empty allowMethods and allowHeaders: no such headers', async () => {
      const res = await preflight('/ours/defaults', 'https://app.example.com', 'GET', 'x-a');
      expect(res.headers['access-control-max-age']).toBe('5');
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    test('exposeHeaders "*" without credentials is answered "*"', async () => {
      expect((await get('/ours/expose-any', 'https://app.example.com')).headers['access-control-expose-headers']).toBe('*');
    });

    test('exposeHeaders "*" with credentials cannot be "*": the actual response lists its own header names', async () => {
      const res = await get('/ours/expose-all?header=x-custom:1', 'https://app.example.com');
      const exposed = list(res.headers['access-control-expose-headers']);
      expect(exposed).not.toContain('*');
      expect(exposed).toEqual(expect.arrayContaining(['x-custom', 'content-type']));
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    test('the gateway\'s Access-Control headers replace those the backend sends for an allowed origin', async () => {
      const res = await get('/ours/defaults?header=access-control-allow-origin:*&header=access-control-allow-credentials:true', 'https://app.example.com');
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    test('every answer of a CORS route varies by Origin: allowed, not allowed, or no Origin at all', async () => {
      for (const origin of ['https://app.example.com', 'https://evil.example.net', undefined]) {
        const res = await get('/ours/defaults', origin);
        expect(list(res.headers.vary)).toContain('Origin');
      }
      expect(list((await preflight('/ours/defaults', 'https://evil.example.net', 'GET')).headers.vary)).toContain('Origin');
    });

    test('a CORS filter on a backendRef takes effect for requests given that backend', async () => {
      const res = await preflight('/ours/backend', 'https://app.example.com', 'PATCH');
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers['access-control-allow-methods']).toBe('PATCH');
      expect((await get('/ours/backend', 'https://app.example.com')).headers['access-control-allow-origin']).toBe('https://app.example.com');
    });
  });
});

