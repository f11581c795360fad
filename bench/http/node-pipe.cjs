// Reference for the paced-load latency: the least any Node proxy can do, one backend connection per client
// connection and the bytes copied both ways (no HTTP parsing, routing or pooling). Its p99 at our half-load rate
// is the floor that Node's event loop and this machine's loopback put under every Node contender.
// usage: node node-pipe.cjs <port> <upstreamPort>
const net = require('node:net');
const [port, upstream] = process.argv.slice(2).map(Number);
net.createServer({ noDelay: true }, (client) => {
  const backend = net.connect({ host: '127.0.0.1', port: upstream, noDelay: true });
  client.on('data', (d) => backend.write(d));
  backend.on('data', (d) => client.write(d));
  client.on('close', () => backend.destroy());
  backend.on('close', () => client.destroy());
  client.on('error', () => undefined);
  backend.on('error', () => undefined);
}).listen(port, '127.0.0.1', () => console.log('ready'));
