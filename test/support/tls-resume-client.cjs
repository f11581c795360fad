// Two HTTPS requests on new connections, the second offering the session (ticket) of the first, each to its own
// port: prints {"first":{status,reused},"second":{status,reused}}. A child process: the same client code run inside
// the jest worker never resumed (cause not found; a plain `node` process resumes against the same data plane).
// usage: node tls-resume-client.cjs <TLSv1.3|TLSv1.2> <port> <port2> <servername>
const tls = require('node:tls');
const [version, port1, port2, servername] = process.argv.slice(2);
const once = (port, session) => new Promise((resolve, reject) => {
  let got;
  let reused = false;
  let data = '';
  const c = tls.connect({ host: '127.0.0.1', port: Number(port), servername, rejectUnauthorized: false, session, ALPNProtocols: ['http/1.1'], minVersion: version, maxVersion: version }, () => {
    reused = c.isSessionReused();
    c.write(`GET / HTTP/1.1\r\nhost: ${servername}\r\nconnection: close\r\n\r\n`);
  });
  c.on('session', (x) => { got = x; });
  c.on('data', (d) => { data += d.toString('latin1'); });
  c.on('error', reject);
  c.on('close', () => resolve({ status: Number(data.split(' ')[1]), reused, session: got }));
});
once(port1).then(async (first) => {
  const second = await once(port2, first.session);
  console.log(JSON.stringify({ first: { status: first.status, reused: first.reused }, second: { status: second.status, reused: second.reused } }));
}, (e) => {
  console.error(e.message);
  process.exit(1);
});
