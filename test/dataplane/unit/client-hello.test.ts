/**
 * The ClientHello reader that TLS passthrough routes on: real ClientHellos from Node's TLS client, fed
 * whole, byte by byte and re-framed into many records; and the inputs it must refuse without reading past
 * the buffer.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from '../../../src/dataplane/tls/client-hello';

/** The first flight of a real TLS client (its ClientHello record). */
async function captureHello(o: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, rejectUnauthorized: false, ...o });
      c.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

/** The same handshake message in records of at most `size` bytes. */
function reframe(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    const header = Buffer.from([22, 3, 1, 0, 0]);
    header.writeUInt16BE(part.length, 3);
    parts.push(header, part);
  }
  return Buffer.concat(parts);
}

let hello: Buffer;

beforeAll(async () => {
  hello = await captureHello({ servername: 'abc.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
});

test('a whole ClientHello gives the server name and the ALPN protocols', () => {
  expect(parseClientHello(hello)).toEqual({ hello: { serverName: 'abc.example.com', alpn: ['h2', 'http/1.1'] } });
});

test('every strict prefix is incomplete, never an error (a ClientHello arriving in segments)', () => {
  for (let n = 0; n < hello.length; n++) expect(parseClientHello(hello.subarray(0, n))).toEqual({ incomplete: true });
});

test.each([1, 7, 64, 200])('the handshake message fragmented into records of %i bytes parses the same', (size) => {
  const framed = reframe(hello, size);
  expect(parseClientHello(framed)).toEqual({ hello: { serverName: 'abc.example.com', alpn: ['h2', 'http/1.1'] } });
  // and fragmented records cut into segments are incomplete until the last byte
  expect(parseClientHello(framed.subarray(0, framed.length - 1))).toEqual({ incomplete: true });
});

test('a client that sends no server name gives an empty one', async () => {
  const noSni = await captureHello({});
  expect(parseClientHello(noSni)).toEqual({ hello: { serverName: '', alpn: [] } });
});

test('the server name is lower-cased', () => {
  const at = hello.indexOf('abc.example.com');
  const upper = Buffer.from(hello);
  upper.write('ABC.Example.com', at, 'latin1');
  expect(parseClientHello(upper)).toMatchObject({ hello: { serverName: 'abc.example.com' } });
});

test('a server name that is not a host name is refused', () => {
  const at = hello.indexOf('abc.example.com');
  const bad = Buffer.from(hello);
  bad.write('abc exampl/com', at, 'latin1');
  expect(parseClientHello(bad)).toEqual({ error: 'server_name "abc exampl/comm" is not a host name' });
});

test('bytes that are not a TLS handshake are refused at once, plain HTTP named as such', () => {
  expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ error: 'not a TLS handshake record (first byte 0x47: plain HTTP on a TLS port)' });
  expect(parseClientHello(Buffer.from([0x17, 3, 3, 0, 1, 0]))).toEqual({ error: 'not a TLS handshake record (first byte 0x17)' });
  expect(parseClientHello(Buffer.from([22, 2, 0, 0, 1, 0]))).toEqual({ error: 'unsupported TLS record version 2.0' });
});

test('lengths that run past their vector are refused, not read past', () => {
  // the extensions block claims more bytes than the message has
  const body = hello.subarray(9, 5 + hello.readUInt16BE(3));
  let p = 2 + 32;
  p += 1 + body[p];
  p += 2 + body.readUInt16BE(p);
  p += 1 + body[p];
  const broken = Buffer.from(hello);
  broken.writeUInt16BE(0xffff, 9 + p);
  expect(parseClientHello(broken)).toEqual({ error: 'malformed ClientHello (a length runs past its end)' });
});

test('a ClientHello announcing more than the limit is refused before it arrives', () => {
  const huge = Buffer.from([22, 3, 1, 0, 4, 1, 0x02, 0x00, 0x00]);
  expect(parseClientHello(huge)).toEqual({ error: `ClientHello of ${0x020000} bytes is larger than ${MAX_CLIENT_HELLO_BYTES}` });
  expect(parseClientHello(Buffer.from([22, 3, 1, 0x48, 0x01]))).toEqual({ error: 'TLS record length 18433 is out of range' });
  expect(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0]))).toEqual({ error: 'the first handshake message is type 2, not a ClientHello' });
});
