import { canonicalJson } from '../compiler';
import { ConnectionInput, explainConnection, explainRequest, formatConnectionExplanation, formatExplanation } from '../router';
import { parseArgs, UsageError } from './args';
import { COMPILE_FLAGS, compileFromFlags, diagnosticLines, singleConfig } from './compiled-gateways';
import { isPort } from '../spec/limits';

const USAGE = `usage: cdk8s-gateway explain --manifests <file|dir>... [--gateway <ns>/<name>] [--port <n>] [--server-name <sni>]
                             [-H 'name: value']... [--output text|json] [<METHOD>] <URL>

Shows which listener, route, rule and match a request gets, the filters that run, the backends with their
weights (or the status the gateway answers itself) and, when nothing matches, why. The URL's scheme says
what kind of traffic it is:

  http://host/path, https://host/path     an HTTP request (METHOD defaults to GET)
  grpc://host/pkg.Service/Method          a gRPC call over h2c (port 80 by default), grpcs:// over TLS (443);
                                          -H adds metadata
  tls://server.name:port                  a TLS connection with that SNI (TLSRoute, or which HTTPS listener);
                                          an IP address as host means a client that sends no SNI
  tcp://any:port, udp://any:port          a TCP or UDP connection to a listener port (TCPRoute, UDPRoute)

  --manifests   YAML/JSON files or directories (repeat for several)
  --gateway     the Gateway to ask (default: the only one in the manifests)
  --port        the listener port (default: the URL's port, else 80 for http/grpc and 443 for https/grpcs/tls);
                the Host header stays the URL's authority (-H 'Host: name:1234' sets another)
  --server-name https/grpcs: the TLS server name (SNI) the client sends (default: the URL's host); a Host that
                another listener owns than the one it selects is answered 421
  -H, --header  a request header, e.g. -H 'x-version: 2' (repeat for several)
  --strict      Services, Secrets and ConfigMaps missing from the manifests are errors
  --output      text (default) or json

Examples: cdk8s-gateway explain --manifests dist/ GET https://shop.example.com/api/cart
          cdk8s-gateway explain --manifests dist/ grpcs://grpc.example.com/shop.cart.v1.Cart/AddItem -H 'x-beta: on'
          cdk8s-gateway explain --manifests dist/ tls://pg.db.example.com:443

Exit code: 0 when the request or connection reaches a backend (or is redirected, or answered as a CORS preflight),
1 when the gateway answers it with an error status or refuses the connection, 2 on a usage error.`;

type Target =
  | { readonly kind: 'request'; readonly method: string; readonly url: string; readonly grpc: boolean }
  | { readonly kind: 'connection'; readonly input: ConnectionInput };

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443, tls: 443 };

/** What the positional arguments ask about: an HTTP request, a gRPC call, or a connection. */
function parseTarget(positionals: readonly string[], port: number | undefined): Target {
  const [first, second] = positionals;
  const url = positionals.length === 1 ? first : second;
  if (!url || positionals.length > 2) throw new UsageError('give the request as [<METHOD>] <URL>, e.g. GET http://example.com/path', true);
  const m = /^([a-z]+):\/\//i.exec(url);
  const scheme = m?.[1].toLowerCase();
  if (!scheme || !['http', 'https', 'grpc', 'grpcs', 'tls', 'tcp', 'udp'].includes(scheme)) {
    throw new UsageError(`the URL must start with http:// or https:// (or grpc://, grpcs://, tls://, tcp://, udp://), got "${url}"`);
  }
  if (scheme === 'http' || scheme === 'https') return { kind: 'request', method: positionals.length === 1 ? 'GET' : first, url, grpc: false };
  if (positionals.length === 2) throw new UsageError(`a ${scheme}:// URL takes no method, got "${first}"`);
  const u = new URL(url.replace(/^[a-z]+:/i, 'http:'));
  const urlPort = u.port ? Number(u.port) : undefined;
  if (scheme === 'grpc' || scheme === 'grpcs') {
    if (!/^\/[^/]+\/[^/]+$/.test(u.pathname)) throw new UsageError(`a gRPC URL names the service and method: ${scheme}://host/pkg.Service/Method, got "${url}"`);
    const p = port ?? urlPort ?? DEFAULT_PORTS[scheme];
    return { kind: 'request', method: 'POST', url: `${scheme === 'grpcs' ? 'https' : 'http'}://${u.hostname}:${p}${u.pathname}`, grpc: true };
  }
  const p = port ?? urlPort ?? DEFAULT_PORTS[scheme];
  if (p === undefined) throw new UsageError(`a ${scheme}:// URL needs the listener port, e.g. ${scheme}://any:6379`);
  const ipHost = /^[\d.]+$|^\[/.test(u.hostname);
  return { kind: 'connection', input: { port: p, transport: scheme === 'udp' ? 'UDP' : 'TCP', serverName: scheme === 'tls' && !ipHost ? u.hostname : undefined } };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv, {
      ...COMPILE_FLAGS, 'header': { value: true, repeat: true, alias: 'H' }, 'port': { value: true }, 'server-name': { value: true }, 'output': { value: true },
    });
    const output = args.flags.output?.[0] ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, got "${output}"`);
    const port = args.flags.port ? Number(args.flags.port[0]) : undefined;
    if (port !== undefined && !isPort(port)) throw new UsageError(`--port must be a port number, got "${args.flags.port![0]}"`);
    const target = parseTarget(args.positionals, port);
    const headers: Record<string, string[]> = {};
    for (const h of args.flags.header ?? []) {
      const colon = h.indexOf(':');
      if (colon <= 0) throw new UsageError(`-H must be 'name: value', got "${h}"`);
      (headers[h.slice(0, colon).trim().toLowerCase()] ??= []).push(h.slice(colon + 1).trim());
    }
    const c = await compileFromFlags(args);
    for (const e of c.loadErrors) process.stderr.write(`error: ${e}\n`);
    for (const d of diagnosticLines(c.result.diagnostics.filter((x) => x.severity === 'error'), c.sources)) process.stderr.write(`${d}\n`);
    const config = singleConfig(c);
    if (target.kind === 'connection') {
      const e = explainConnection(config, target.input);
      process.stdout.write(output === 'json' ? `${canonicalJson(e)}\n` : `${formatConnectionExplanation(e)}\n`);
      return e.refused ? 1 : 0;
    }
    if (target.grpc) headers['content-type'] ??= ['application/grpc'];
    const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
    const e = explainRequest(config, { method: target.method, url: target.url, headers: flat }, {
      port: target.grpc ? undefined : port, serverName: args.flags['server-name']?.[0],
    });
    process.stdout.write(output === 'json' ? `${canonicalJson(e)}\n` : `${formatExplanation(e)}\n`);
    return e.code === 'GW_ROUTED' || e.code === 'GW_REDIRECT' || e.code === 'GW_CORS_PREFLIGHT' ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway explain: ${err.message}\n${err.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    throw err;
  }
}
