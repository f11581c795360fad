/**
 * Graceful shutdown on SIGTERM: in-flight requests finish, new connections are refused, idle keep-alive
 * connections are closed, and the drain timeout bounds how long it waits.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { startDataPlane } from '../support/processes';
import { sleep } from '../support/wait';

let echoes: RunningEcho[];
let config: ReturnType<ConfigBuilder['build']>;

beforeAll(async () => {
  echoes = await startEchoServers('echo-a');
  const b = new ConfigBuilder();
  b.route(b.listener(80, { name: 'web' }), { route: 'all', backends: [b.backend('echo-a')] });
  config = b.build();
});

afterAll(async () => {
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

const start = (args: string[] = []) => startDataPlane({ config, backends: { 'default/echo-a:80': echoes[0].target }, args });

test('SIGTERM during a slow request lets it finish, then the process exits 0', async () => {
  const gw = await start();
  const idle = new http.Agent({ keepAlive: true });
  await request(gw.url(80, '/warm'), { agent: idle });
  const idleSocketClosed = new Promise<void>((resolve) => {
    const sockets = Object.values(idle.freeSockets).flat();
    sockets[0]!.once('close', () => resolve());
  });
  const slow = request(gw.url(80, '/slow?delay=1500'));
  await sleep(300); // let the request reach the backend
  gw.signal('SIGTERM');
  await gw.waitForLine(/"msg":"draining"/);
  // an idle keep-alive connection is closed, new connections are refused, readiness fails
  await idleSocketClosed;
  await expect(new Promise((resolve, reject) => {
    const s = net.connect(gw.ports.get(80)!, '127.0.0.1', () => resolve('connected'));
    s.on('error', reject);
  })).rejects.toThrow(/ECONNREFUSED/);
  expect((await request(`http://127.0.0.1:${gw.adminPort}/readyz`)).status).toBe(503);
  const res = await slow;
  expect(res.status).toBe(200);
  expect(res.headers.connection).toBe('close');
  expect(res.json.path).toBe('/slow?delay=1500');
  expect(await gw.waitForExit()).toBe(0);
  idle.destroy();
});

test('the drain timeout bounds the wait: a request slower than it is cut off', async () => {
  const gw = await start(['--drain-timeout', '1']);
  const slow = request(gw.url(80, '/slower?delay=8000')).then(() => 'answered', () => 'cut off');
  await sleep(300);
  const t0 = Date.now();
  gw.signal('SIGTERM');
  expect(await gw.waitForExit()).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(await slow).toBe('cut off');
  expect(gw.lines.join('\n')).toMatch(/drain timeout reached; closing open connections/);
});
