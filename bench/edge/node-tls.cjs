// Floor for the TLS rows of bench:edge: what Node's TLS alone costs per connection and per request. A bare
// tls.Server with the same certificate that answers every HTTP/1.1 request itself (no parsing beyond the end of
// the head, no routing, no backend), closing after `Connection: close`. Whatever ours spends above it is the proxy.
// usage: node node-tls.cjs <port> <key> <cert> <resumption: 0|1>
const crypto = require('node:crypto');
const fs = require('node:fs');
const tls = require('node:tls');
const [port, key, cert, resumption] = process.argv.slice(2);
const OK = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nhello world\n';
const CLOSE = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nconnection: close\r\n\r\nhello world\n';
tls.createServer({
  key: fs.readFileSync(key), cert: fs.readFileSync(cert), ALPNProtocols: ['http/1.1'],
  ...(resumption === '1' ? {} : { secureOptions: crypto.constants.SSL_OP_NO_TICKET }),
}, (s) => {
  let head = '';
  s.setEncoding('latin1');
  s.on('data', (d) => {
    head += d;
    let i;
    while ((i = head.indexOf('\r\n\r\n')) >= 0) {
      const req = head.slice(0, i);
      head = head.slice(i + 4);
      if (/\r\nconnection: *close/i.test(req)) return s.end(CLOSE, 'latin1');
      s.write(OK, 'latin1');
    }
  });
  s.on('error', () => undefined);
}).listen(Number(port), '127.0.0.1');
