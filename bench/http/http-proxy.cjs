// Peer (d): the http-proxy package on node:http, with a keep-alive agent to the backend.
// usage: node http-proxy.cjs <port> <upstreamPort>
const http = require('node:http');
const httpProxy = require('http-proxy');
const [port, upstream] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstream}`, agent });
const server = http.createServer((req, res) => proxy.web(req, res, {}, () => {
  res.statusCode = 502;
  res.end();
}));
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log('ready'));
