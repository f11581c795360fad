// Peer (c): @fastify/http-proxy (undici-based) with its defaults and logging off.
// usage: node fastify-proxy.cjs <port> <upstreamPort>
const [port, upstream] = process.argv.slice(2).map(Number);
const fastify = require('fastify')({ logger: false });
fastify.register(require('@fastify/http-proxy'), { upstream: `http://127.0.0.1:${upstream}` });
fastify.listen({ port, host: '127.0.0.1' }).then(() => console.log('ready'));
