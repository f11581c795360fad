import { canonicalJson } from '../compiler';
import { explainRequest, formatExplanation } from '../router';
import { parseArgs, UsageError } from './args';
import { COMPILE_FLAGS, compileFromFlags, diagnosticLines, singleConfig } from './compiled-gateways';

const USAGE = `usage: cdk8s-gateway explain --manifests <file|dir>... [--gateway <ns>/<name>] [--port <n>]
                             [-H 'name: value']... [--output text|json] [<METHOD>] <URL>

Shows which listener, route, rule and match a request gets, the filters that run, the backends with their
weights (or the status the gateway answers itself) and, when nothing matches, why.

  --manifests   YAML/JSON files or directories (repeat for several)
  --gateway     the Gateway to ask (default: the only one in the manifests)
  --port        the listener port (default: the URL's port, else 80 for http and 443 for https)
  -H, --header  a request header, e.g. -H 'x-version: 2' (repeat for several)
  --strict      Services, Secrets and ConfigMaps missing from the manifests are errors
  --output      text (default) or json

Example: cdk8s-gateway explain --manifests dist/ GET https://shop.example.com/api/cart

Exit code: 0 when the request reaches a backend or a redirect, 1 when the gateway answers it with an error
status (404, 500...), 2 on a usage error.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv, { ...COMPILE_FLAGS, header: { value: true, repeat: true, alias: 'H' }, port: { value: true }, output: { value: true } });
    const [method, url] = args.positionals.length === 1 ? ['GET', args.positionals[0]] : args.positionals;
    if (!url || args.positionals.length > 2) throw new UsageError('give the request as [<METHOD>] <URL>, e.g. GET http://example.com/path');
    if (!/^https?:\/\//i.test(url)) throw new UsageError(`the URL must start with http:// or https://, got "${url}"`);
    const output = args.flags.output?.[0] ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, got "${output}"`);
    const port = args.flags.port ? Number(args.flags.port[0]) : undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new UsageError(`--port must be a port number, got "${args.flags.port![0]}"`);
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
    const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
    const e = explainRequest(config, { method, url, headers: flat }, { port });
    process.stdout.write(output === 'json' ? `${canonicalJson(e)}\n` : `${formatExplanation(e)}\n`);
    return e.status === undefined || (e.status >= 300 && e.status < 400) ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway explain: ${err.message}\n${err.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    throw err;
  }
}
