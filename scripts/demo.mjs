// `npm run demo`: the quickstart example running on this machine, from its synthesized YAML.
//
// 1. builds the data plane and the CLI (assets/), 2. synthesizes examples/quickstart into its dist/,
// 3. makes a self-signed certificate for *.example.com (in a temp dir, removed on exit; never committed),
// 4. starts two echo backends for the Services the routes name, 5. runs the Gateway with
// `cdk8s-gateway serve` on unprivileged local ports, 6. checks each suggested curl command once, prints
// them, and waits. Ctrl-C stops everything.
//
// Ports: DEMO_HTTP_PORT (8080), DEMO_HTTPS_PORT (8443), DEMO_ADMIN_PORT (9901); 0 picks free ones.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'assets', 'cli.js');
const dist = path.join(root, 'examples', 'quickstart', 'dist');
const ports = { http: env('DEMO_HTTP_PORT', 8080), https: env('DEMO_HTTPS_PORT', 8443), admin: env('DEMO_ADMIN_PORT', 9901) };
const children = [];
let work;

function env(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) > 65535) fail(`${name}="${v}" is not a port number`);
  return Number(v);
}

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

class Stopped extends Error {}

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  stop(1);
  throw new Stopped(message);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const done = () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    process.exit(code);
  };
  if (children.every((c) => c.exitCode !== null)) done();
  const timer = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    done();
  }, 5000);
  let left = children.filter((c) => c.exitCode === null).length;
  for (const c of children) {
    if (c.exitCode === null) {
      c.once('exit', () => {
        if (--left === 0) {
          clearTimeout(timer);
          done();
        }
      });
    }
  }
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function step(what, cmd, args) {
  say(`demo: ${what}`);
  try {
    execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    fail(`${what} failed (${[cmd, ...args].join(' ')})`);
  }
}

/** Starts a long-running process; resolves with its stdout lines once one matches `until`. */
function start(name, args, until) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines = [];
    let buf = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (until.test(line)) resolve(lines);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      if (!stopping) reject(new Error(`${name} exited (${code}):\n${stderr}`));
    });
  });
}

/** What a response shows: a redirect, an echo backend's pod and Service, or the admin answer. */
function describe(r) {
  if (r.status >= 300 && r.status < 400) return `answers ${r.status}, Location: ${r.location}`;
  try {
    const echo = JSON.parse(r.body);
    if (echo.pod) return `answers ${r.status} from echo pod ${echo.pod} (the ${echo.pod.replace(/-\d+$/, '')} Service in namespace ${echo.namespace})`;
  } catch {
    // not an echo answer
  }
  return `answers ${r.status} ${r.body.trim().slice(0, 60)}`;
}

function selfSignedCert(dir) {
  const key = path.join(dir, 'tls.key');
  const crt = path.join(dir, 'tls.crt');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
      '-keyout', key, '-out', crt, '-subj', '/CN=*.example.com', '-addext', 'subjectAltName=DNS:*.example.com,DNS:example.com'], { stdio: 'pipe' });
  } catch (e) {
    fail(`openssl could not make the demo certificate (${e.message.split('\n')[0]}); install openssl and run again`);
  }
  return { cert: fs.readFileSync(crt, 'utf8'), key: fs.readFileSync(key, 'utf8'), caFile: crt };
}

/** One request the way the printed curl command makes it; resolves with status, Location and body. */
function check(url, { host, ca } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request({
      host: '127.0.0.1', port: u.port, path: u.pathname + u.search, headers: { host: host ?? u.host },
      servername: u.hostname, ca, agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  // DEMO_SKIP_BUILD: assets/ was just built (the test suite, whose other tests run assets/ meanwhile)
  if (!process.env.DEMO_SKIP_BUILD) step('building the data plane and the CLI (assets/)', process.execPath, [path.join(root, 'scripts', 'bundle.mjs')]);
  step('synthesizing examples/quickstart into examples/quickstart/dist', process.execPath,
    [path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--transpile-only', '-P', path.join(root, 'scripts', 'tsconfig.json'),
      path.join(root, 'scripts', 'synth-example.ts'), 'quickstart']);

  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-demo-'));
  const cert = selfSignedCert(work);
  // what cert-manager (or you) would create in a cluster: the Secret the Gateway's HTTPS listener names
  fs.writeFileSync(path.join(work, 'example-com-tls.yaml'), [
    'apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls',
    'metadata: { name: example-com-tls, namespace: gateway-system }',
    'data:', `  tls.crt: ${Buffer.from(cert.cert).toString('base64')}`, `  tls.key: ${Buffer.from(cert.key).toString('base64')}`, '',
  ].join('\n'));

  const echoes = {};
  for (const svc of ['api', 'storefront']) {
    const lines = await start(`echo ${svc}`, ['echo', '--port', '0', '--address', '127.0.0.1', '--name', `${svc}-0`, '--namespace', 'shop'], /^listening /);
    echoes[svc] = Number(/:(\d+)/.exec(lines.find((l) => l.startsWith('listening ')))[1]);
  }
  const lines = await start('the gateway', [
    'serve', '--manifests', dist, '--manifests', path.join(work, 'example-com-tls.yaml'), '--gateway', 'gateway-system/edge',
    '--address', '127.0.0.1', '--port-map', `80=${ports.http}`, '--port-map', `443=${ports.https}`, '--admin-port', String(ports.admin),
    '--backend', `shop/api:8080=127.0.0.1:${echoes.api}`, '--backend', `shop/storefront:8080=127.0.0.1:${echoes.storefront}`,
  ], /^ready$/);
  const bound = new Map(lines.filter((l) => l.startsWith('listening ')).map((l) => {
    const [, , port, addr] = l.split(' ');
    return [Number(port), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  }));
  const admin = Number(/:(\d+)$/.exec(lines.find((l) => l.startsWith('admin ')))[1]);
  const h = bound.get(80);
  const s = bound.get(443);
  const resolve = `--resolve shop.example.com:${s}:127.0.0.1`;
  const caFile = cert.caFile;

  // every suggested command is tried once, and described by what it answered
  const tries = [
    { cmd: `curl -i -H 'Host: shop.example.com' http://127.0.0.1:${h}/api/orders`, url: `http://127.0.0.1:${h}/api/orders`, host: 'shop.example.com' },
    { cmd: `curl --cacert ${caFile} ${resolve} https://shop.example.com:${s}/api/orders`, url: `https://shop.example.com:${s}/api/orders`, ca: cert.cert },
    { cmd: `curl --cacert ${caFile} ${resolve} https://shop.example.com:${s}/`, url: `https://shop.example.com:${s}/`, ca: cert.cert },
    { cmd: `curl -s http://127.0.0.1:${admin}/readyz`, url: `http://127.0.0.1:${admin}/readyz` },
  ];
  for (const t of tries) {
    let r;
    try {
      r = await check(t.url, t);
    } catch (e) {
      fail(`the suggested command failed: ${t.cmd}: ${e.message}`);
    }
    if (r.status >= 400) fail(`the suggested command answered ${r.status}: ${t.cmd}\n${r.body}`);
    t.says = describe(r);
  }

  say();
  say('The quickstart Gateway (gateway-system/edge) runs on this machine, from examples/quickstart/dist:');
  say(`  listener web       :80  HTTP   → 127.0.0.1:${h}`);
  say(`  listener websecure :443 HTTPS  → 127.0.0.1:${s}  (*.example.com, self-signed certificate made just now)`);
  say(`  admin              → 127.0.0.1:${admin}`);
  say(`  Service shop/api:8080        → echo backend on 127.0.0.1:${echoes.api}`);
  say(`  Service shop/storefront:8080 → echo backend on 127.0.0.1:${echoes.storefront}`);
  say();
  say('Try (each was just run once):');
  for (const t of tries) {
    say(`  ${t.cmd}`);
    say(`      # ${t.says}`);
  }
  say(`  node assets/cli.js explain --manifests examples/quickstart/dist GET https://shop.example.com/api/orders`);
  say('      # why a request goes where it goes');
  say();
  say('examples/quickstart/dist also holds what `kubectl apply -f` would deploy: the data-plane ConfigMaps, Deployment, Service...');
  say('Ctrl-C stops everything.');
  say('demo ready');
}

main().catch((e) => {
  if (!(e instanceof Stopped)) {
    process.stderr.write(`demo: ${e.message}\n`);
    stop(1);
  }
});
