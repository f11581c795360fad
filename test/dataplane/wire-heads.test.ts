/**
 * The exact bytes of the heads the gateway writes over HTTP/1.1: responses to the client (status line,
 * framing, hop-by-hop headers dropped whatever their case) and requests to the backend (X-Forwarded-*,
 * framing, upgrade). The backend is a raw TCP server, so that header case and order are as sent.
 */
import * as net from 'node:net';
import { ConfigBuilder } from '../support/config-builder';
import { rawRequest } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

/** What the raw backend answers, by request path. `/echo-head` answers with the request head it received. */
const ANSWERS: Record<string, string> = {
  '/framing': 'HTTP/1.1 200 OK\r\nServer: raw\r\nCONTENT-LENGTH: 5\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5\r\n' +
    'Proxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nX-Kept: 1\r\n\r\nhello',
  '/custom-reason': 'HTTP/1.1 404 Nowhere To Be Found\r\nContent-Length: 0\r\n\r\n',
  '/unknown-status': 'HTTP/1.1 299 Fine Thanks\r\nContent-Length: 0\r\n\r\n',
  '/empty-reason': 'HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n',
  '/no-content': 'HTTP/1.1 204 No Content\r\nX-Kept: 1\r\n\r\n',
  '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  '/connection-list': 'HTTP/1.1 200 OK\r\nConnection: X-Private\r\nX-Private: secret\r\nX-Kept: 1\r\nContent-Length: 2\r\n\r\nok',
};

let gw: Spawned;
let backend: net.Server;
let port: number;

beforeAll(async () => {
  backend = net.createServer((socket) => {
    let buf = '';
    socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (;;) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.slice(0, headEnd + 4);
        let end = headEnd + 4;
        if (/\r\ntransfer-encoding: chunked\r\n/i.test(head)) {
          const last = buf.indexOf('0\r\n\r\n', end);
          if (last < 0) return;
          end = last + 5;
        }
        buf = buf.slice(end);
        const path = head.split(' ')[1];
        socket.write(path === '/echo-head' ? `HTTP/1.1 200 OK\r\nContent-Length: ${head.length}\r\n\r\n${head}` : ANSWERS[path]);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const b = new ConfigBuilder();
  const raw = b.backend('raw');
  b.route(b.listener(80, { name: 'web' }), { route: 'all', backends: [raw] });
  gw = await startDataPlane({ config: b.build(), backends: { [raw]: `127.0.0.1:${(backend.address() as net.AddressInfo).port}` } });
  port = gw.ports.get(80)!;
});

afterAll(async () => {
  await gw?.stop();
  backend?.close();
});

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`;

describe('response heads to the client', () => {
  test('framing and hop-by-hop headers of any case are replaced; the others keep their case and order', async () => {
    expect(await rawRequest(port, get('/framing', 'Connection: close\r\n')))
      .toBe('HTTP/1.1 200 OK\r\nServer: raw\r\nX-Kept: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello');
  });

  test('a keep-alive answer has no Connection header; HTTP/1.0 keep-alive is confirmed', async () => {
    expect(await rawRequest(port, get('/framing') + get('/framing', 'Connection: close\r\n'))).toBe(
      'HTTP/1.1 200 OK\r\nServer: raw\r\nX-Kept: 1\r\ncontent-length: 5\r\n\r\nhello' +
      'HTTP/1.1 200 OK\r\nServer: raw\r\nX-Kept: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello');
    expect(await rawRequest(port, 'GET /framing HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\nGET /framing HTTP/1.0\r\nHost: h\r\n\r\n')).toBe(
      'HTTP/1.1 200 OK\r\nServer: raw\r\nX-Kept: 1\r\ncontent-length: 5\r\nconnection: keep-alive\r\n\r\nhello' +
      'HTTP/1.1 200 OK\r\nServer: raw\r\nX-Kept: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello');
  });

  test.each([
    ['/custom-reason', 'HTTP/1.1 404 Nowhere To Be Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'],
    ['/unknown-status', 'HTTP/1.1 299 Fine Thanks\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'],
    ['/empty-reason', 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'],
    ['/no-content', 'HTTP/1.1 204 No Content\r\nX-Kept: 1\r\nconnection: close\r\n\r\n'],
    ['/connection-list', 'HTTP/1.1 200 OK\r\nX-Kept: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'],
  ])('%s', async (path, expected) => {
    expect(await rawRequest(port, get(path, 'Connection: close\r\n'))).toBe(expected);
  });

  test('a response without a length is chunked to an HTTP/1.1 client and closes the connection of an HTTP/1.0 one', async () => {
    const h11 = await rawRequest(port, get('/chunked', 'Connection: close\r\n'));
    expect(h11.startsWith('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n')).toBe(true);
    expect(h11.endsWith('0\r\n\r\n')).toBe(true);
    expect(await rawRequest(port, 'GET /chunked HTTP/1.0\r\nHost: h\r\n\r\n')).toBe('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nhello');
  });
});

describe('request heads to the backend', () => {
  const forwarded = async (request: string) => {
    const res = await rawRequest(port, request);
    return res.slice(res.indexOf('\r\n\r\n') + 4);
  };

  test('Host first, the client\'s headers as sent, hop-by-hop ones dropped, X-Forwarded-* last', async () => {
    expect(await forwarded(get('/echo-head', 'User-Agent: raw/1\r\nX-Forwarded-For: 203.0.113.9\r\nKeep-Alive: 5\r\nConnection: close\r\n'))).toBe(
      'GET /echo-head HTTP/1.1\r\nhost: h\r\nUser-Agent: raw/1\r\nx-forwarded-for: 203.0.113.9, 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\n\r\n');
  });

  test('a chunked request body is forwarded chunked', async () => {
    expect(await forwarded('POST /echo-head HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n')).toBe(
      'POST /echo-head HTTP/1.1\r\nhost: h\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\ntransfer-encoding: chunked\r\n\r\n');
  });

  test('an Upgrade request asks the backend for the upgrade', async () => {
    expect(await forwarded(get('/echo-head', 'Connection: Upgrade\r\nUpgrade: websocket\r\n'))).toBe(
      'GET /echo-head HTTP/1.1\r\nhost: h\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: h\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
  });
});
