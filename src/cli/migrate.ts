import { writeFile } from 'node:fs/promises';
// yaml is inlined into assets/cli.js by esbuild (scripts/bundle.mjs), so it stays a devDependency
// eslint-disable-next-line import/no-extraneous-dependencies
import { stringify } from 'yaml';
import { parseArgs, parseObjectKey, UsageError } from './args';
import { loadManifests, sourceOf } from './manifests';
import { formatReport, migrateIngresses, typescriptProgram } from '../migrate';
import { formatVerify, verifyMigration } from '../migrate/verify';

const USAGE = `usage: cdk8s-gateway migrate --manifests <file|dir>... [--ingress-class <name>] [--gateway <ns>/<name>]
                             [--gateway-class <name>] [--output yaml|ts] [-o <path>] [--report <file>] [--verify]

Translates networking.k8s.io/v1 Ingresses (with their ingress-nginx annotations) into Gateway API objects: a
GatewayClass (this project's, unless --gateway-class names another), one Gateway with the listeners the
Ingresses need, HTTPRoutes (GRPCRoutes, TLSRoutes), BackendTLSPolicies and ReferenceGrants, with the input's
Services. ingress-nginx's semantics are kept: path types, several Ingresses sharing a host (the oldest wins),
regex hosts, canaries, the HTTP to HTTPS redirect of TLS hosts. A report on stderr lists every Ingress and
annotation, what it became, and everything with no Gateway API equivalent.

  --manifests      YAML/JSON files or directories with the Ingresses, IngressClasses, Services and Secrets
  --ingress-class  only Ingresses of this class (and those without one when it is the default class)
  --gateway        the Gateway to create (default gateway-system/ingress)
  --gateway-class  use this GatewayClass instead of emitting cdk8s-gateway's
  --output         yaml (default): the objects; ts: a cdk8s program using this library
  -o, --out        write there instead of stdout
  --report         also write the report as JSON to this file
  --verify         decide requests derived from every Ingress rule with a model of ingress-nginx and with the
                   translated Gateway, and print every difference

Exit code: 0 when everything translated, 3 when something has no Gateway API equivalent (see the report),
4 when --verify finds a request the Gateway routes differently, 1 on unreadable input, 2 on a usage error.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv, {
      'manifests': { value: true, repeat: true },
      'ingress-class': { value: true },
      'gateway': { value: true },
      'gateway-class': { value: true },
      'output': { value: true },
      'out': { value: true, alias: 'o' },
      'report': { value: true },
      'verify': {},
    });
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const paths = args.flags.manifests ?? [];
    if (paths.length === 0) throw new UsageError('--manifests <file|dir> is required (repeat it for several)');
    const output = args.flags.output?.[0] ?? 'yaml';
    if (output !== 'yaml' && output !== 'ts') throw new UsageError(`--output must be yaml or ts, got "${output}"`);
    const gateway = args.flags.gateway ? parseObjectKey(args.flags.gateway[0], 'gateway') : undefined;
    const loaded = await loadManifests(paths);
    for (const e of loaded.errors) process.stderr.write(`error: ${e}\n`);
    if (loaded.errors.length && loaded.objects.length === 0) return 1;
    const m = migrateIngresses(loaded.objects, {
      ingressClass: args.flags['ingress-class']?.[0],
      gateway,
      gatewayClass: args.flags['gateway-class']?.[0],
      sources: loaded.objects.map((_o, i) => sourceOf(loaded.sources, i)),
    });
    if (m.report.summary.ingresses === 0) {
      process.stderr.write(`${formatReport(m.report)}\ncdk8s-gateway migrate: no Ingress to translate in ${paths.join(', ')}\n`);
      return 1;
    }
    const text = output === 'ts'
      ? typescriptProgram(m)
      : `${header(m.report.experimental)}${m.objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n')}`;
    const out = args.flags.out?.[0];
    if (out) await writeFile(out, text);
    else process.stdout.write(text);
    process.stderr.write(`${formatReport(m.report)}\n`);
    let code = m.report.untranslatable.length > 0 ? 3 : 0;
    let verify;
    if (args.switches.has('verify')) {
      verify = verifyMigration(m);
      process.stderr.write(`${formatVerify(verify)}\n`);
      if (verify.error || verify.disagreements.length > 0) code = 4;
    }
    if (args.flags.report) await writeFile(args.flags.report[0], `${JSON.stringify({ ...m.report, ...(verify ? { verify } : {}) }, null, 2)}\n`);
    return code;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway migrate: ${err.message}\n${err.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    throw err;
  }
}

function header(experimental: boolean): string {
  return '# Generated by `cdk8s-gateway migrate` from Ingress objects; see the report it printed for what changed.\n' +
    (experimental ? '# Uses experimental-channel fields: install the Gateway API experimental CRDs (v1.6.1).\n' : '');
}
