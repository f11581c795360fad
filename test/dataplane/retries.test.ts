/**
 * HTTPRoute retries on the wire (Gateway API v1.6.1 HTTPRouteRetry, GEP-1731, experimental channel) and their
 * interplay with timeouts.request and timeouts.backendRequest, against a backend that fails in each way on request:
 * a status code, a connection reset, a slow answer. The conformance suite's HTTPRouteRetry, HTTPRouteRetryWithTimeouts
 * and HTTPRouteRetryConnectionError manifests are served as they are, with the cases of their Go tests.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { compileConformance, conformanceConfig, conformanceManifestsPresent, conformanceRoute, infraBackend, loadConformanceManifest } from '../support/conformance';
import { request, SimpleResponse } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

/**
 * The suite's retry simulation, as its test cases use it: per `uuid`, the first `succeedAfter` requests fail (with
 * `responseCode`, after `delayRetry` when given), later ones answer 200. `reset=1` makes the failures connection
 * resets instead (for the connection-error rule). Every request is recorded with its arrival time and body.
 */
class RetryBackend {
  public readonly seen = new Map<string, Array<{ at: number; body: string }>>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<net.Socket>();

  public async listen(): Promise<string> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  public close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  public count(uuid: string): number {
    return this.seen.get(uuid)?.length ?? 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const uuid = q.get('uuid') ?? '';
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const list = this.seen.get(uuid) ?? [];
      list.push({ at: performance.now(), body });
      this.seen.set(uuid, list);
      const failing = list.length <= Number(q.get('succeedAfter') ?? 0);
      const answer = () => {
        if (failing && q.get('reset') === '1') return req.socket.resetAndDestroy();
        res.statusCode = failing ? Number(q.get('responseCode') ?? 500) : 200;
        res.setHeader('x-attempt', String(list.length));
        res.end(failing ? `failure ${list.length}` : `success after ${list.length - 1} failures`);
      };
      const delay = failing ? durationMs(q.get('delayRetry')) : durationMs(q.get('delaySuccess'));
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  }
}

function durationMs(v: string | null): number {
  if (!v) return 0;
  const m = /^(\d+)(ms|s)$/.exec(v);
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : 0;
}

const route = (name: string, path: string, retry?: Record<string, unknown>, timeouts?: Record<string, string>) => conformanceRoute(name, path, {
  backendRefs: [{ name: 'infra-backend-v3', port: 8080 }],
  ...(retry ? { retry } : {}),
  ...(timeouts ? { timeouts } : {}),
});
/** Routes next to the suite's for what its cases do not pin down. */
const ours = [
  route('fresh-attempt-timer', '/ours/fresh-timer', { attempts: 2 }, { backendRequest: '300ms', request: '2s' }),
  route('backoff', '/ours/backoff', { codes: [503], attempts: 2, backoff: '300ms' }),
  route('body-replay', '/ours/body', { codes: [500], attempts: 1 }),
  route('no-retry', '/ours/no-retry'),
];

let seq = 0;
const uuid = () => `u${process.pid}-${++seq}`;

const maybe = conformanceManifestsPresent() ? describe : describe.skip;

maybe('HTTPRoute retries', () => {
  let gw: Spawned;
  const backend = new RetryBackend();

  beforeAll(async () => {
    const target = await backend.listen();
    const extra = [...loadConformanceManifest('httproute-retry-connection-error.yaml'), ...loadConformanceManifest('httproute-retry-with-timeouts.yaml'), ...ours];
    const config = conformanceConfig(compileConformance('httproute-retry.yaml', extra), 'same-namespace');
    gw = await startDataPlane({ config, backends: { [infraBackend('infra-backend-v3')]: target } });
  });

  afterAll(async () => {
    await gw?.stop();
    backend.close();
  });

  const call = (path: string, id: string, sim: Record<string, string>, o: { method?: string; body?: string } = {}): Promise<SimpleResponse> =>
    request(gw.url(80, `${path}?${new URLSearchParams({ uuid: id, ...sim })}`), o);

  describe('HTTPRouteRetry (httproute-retry.yaml): listed codes are retried up to attempts; when they run out, the backend\'s last answer', () => {
    test.each([
      ['/retry/code-500-attempts-3', '500', 2, 200, 3],
      ['/retry/code-500-attempts-3', '500', 4, 500, 4],
      ['/retry/code-500-attempts-3', '503', 2, 503, 1],
      ['/retry/code-all-attempts-2', '500', 1, 200, 2],
      ['/retry/code-all-attempts-2', '500', 3, 500, 3],
      ['/retry/code-all-attempts-2', '502', 1, 200, 2],
      ['/retry/code-all-attempts-2', '502', 3, 502, 3],
      ['/retry/code-all-attempts-2', '503', 1, 200, 2],
      ['/retry/code-all-attempts-2', '503', 3, 503, 3],
      ['/retry/code-all-attempts-2', '504', 1, 200, 2],
      ['/retry/code-all-attempts-2', '504', 3, 504, 3],
    ])('%s, backend answers %s for the first %i requests: the client gets %i, the backend sees %i requests', async (path, code, failures, status, requests) => {
      const id = uuid();
      const res = await call(path, id, { responseCode: code, succeedAfter: String(failures) });
      expect(res.status).toBe(status);
      // the original error is the backend's own answer, not one of the gateway's
      expect(res.headers['x-gateway-error']).toBeUndefined();
      expect(backend.count(id)).toBe(requests);
    });
  });

  describe('connection errors (httproute-retry-connection-error.yaml: attempts 3, no codes)', () => {
    test('requests whose connection the backend resets are retried until one is answered', async () => {
      const id = uuid();
      const res = await call('/retry/no-status-code-attempts-3', id, { reset: '1', succeedAfter: '3' });
      expect(res.status).toBe(200);
      expect(backend.count(id)).toBe(4);
    });

    test('when the attempts run out the client gets 502 GW_UPSTREAM_RESET, after 1 + 3 requests', async () => {
      const id = uuid();
      const res = await call('/retry/no-status-code-attempts-3', id, { reset: '1', succeedAfter: '10' });
      expect(res.status).toBe(502);
      expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_RESET');
      expect(backend.count(id)).toBe(4);
    });

    test('a status code is not retried when no codes are listed', async () => {
      const id = uuid();
      const res = await call('/retry/no-status-code-attempts-3', id, { responseCode: '500', succeedAfter: '1' });
      expect(res.status).toBe(500);
      expect(backend.count(id)).toBe(1);
    });
  });

  describe('HTTPRouteRetryWithTimeouts (httproute-retry-with-timeouts.yaml)', () => {
    test('backendRequest 200ms, attempts 2, no codes: two timed-out attempts, then the third answers 200', async () => {
      const id = uuid();
      const res = await call('/retry/backend-request-timeout-200ms', id, { responseCode: '500', succeedAfter: '2', delayRetry: '1s' });
      expect(res.status).toBe(200);
      expect(backend.count(id)).toBe(3);
    });

    test('three timed-out attempts: 504 GW_UPSTREAM_TIMEOUT', async () => {
      const id = uuid();
      const res = await call('/retry/backend-request-timeout-200ms', id, { responseCode: '500', succeedAfter: '3', delayRetry: '1s' });
      expect(res.status).toBe(504);
      expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_TIMEOUT');
      expect(backend.count(id)).toBe(3);
    });

    test('request 400ms, attempts 5 on 500: four fast failures and the fifth answer fit in the request timeout', async () => {
      const id = uuid();
      const res = await call('/retry/request-timeout-200ms', id, { responseCode: '500', succeedAfter: '4' });
      expect(res.status).toBe(200);
      expect(backend.count(id)).toBe(5);
    });

    test('failures of 100 ms each outlast the 400 ms request timeout: 504 GW_REQUEST_TIMEOUT, and no attempt after it', async () => {
      const id = uuid();
      const res = await call('/retry/request-timeout-200ms', id, { responseCode: '500', succeedAfter: '4', delayRetry: '100ms' });
      expect(res.status).toBe(504);
      expect(res.headers['x-gateway-error']).toBe('GW_REQUEST_TIMEOUT');
      // an attempt sent just before the timeout may reach the (same-process) backend after the 504 under load;
      // what must hold is that attempts stop: at most the four that fit in 400 ms, and none later
      await new Promise((r) => setTimeout(r, 300));
      const settled = backend.count(id);
      expect(settled).toBeLessThanOrEqual(4);
      await new Promise((r) => setTimeout(r, 300));
      expect(backend.count(id)).toBe(settled);
    });
  });

  test('a retry after a backend timeout gets a fresh backendRequest timer: a 200 ms answer after a 300 ms timeout is served', async () => {
    // the first attempt times out at 300 ms; the retry, answered 200 ms after it starts, would be cut off by a timer
    // that had kept running from the first attempt
    const id = uuid();
    const res = await call('/ours/fresh-timer', id, { succeedAfter: '1', delayRetry: '1s', delaySuccess: '200ms' });
    expect(res.status).toBe(200);
    expect(backend.count(id)).toBe(2);
  });

  test('backoff: no retry starts before the backoff has passed since the failed answer', async () => {
    const id = uuid();
    const res = await call('/ours/backoff', id, { responseCode: '503', succeedAfter: '2' });
    expect(res.status).toBe(200);
    const at = backend.seen.get(id)!.map((x) => x.at);
    expect(at).toHaveLength(3);
    // Node timers never fire early; 1 ms of slack for the clock reads on the two sides
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(299);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(299);
  });

  test('without a retry policy a POST whose kept-alive connection is reset is not sent again: 502', async () => {
    // warm the gateway's connection pool so that the POST goes out on a kept-alive connection
    await call('/ours/no-retry', uuid(), {});
    const id = uuid();
    const res = await call('/ours/no-retry', id, { reset: '1', succeedAfter: '5' }, { method: 'POST', body: 'order' });
    expect(res.status).toBe(502);
    expect(backend.count(id)).toBe(1);
  });

  test('a request body is sent again, whole, with the retry', async () => {
    const id = uuid();
    const body = 'x'.repeat(20_000);
    const res = await call('/ours/body', id, { responseCode: '500', succeedAfter: '1' }, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(backend.seen.get(id)!.map((x) => x.body.length)).toEqual([20_000, 20_000]);
  });
});
