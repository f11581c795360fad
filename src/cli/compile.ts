import { canonicalJson, serializeConfig } from '../compiler';
import { parseArgs, UsageError } from './args';
import { COMPILE_FLAGS, compileFromFlags, diagnosticLines, singleConfig } from './compiled-gateways';
import { formatStatus, notAccepted } from './format-status';

const USAGE = `usage: cdk8s-gateway compile --manifests <file|dir>... [--gateway <ns>/<name>] [--gateway-class <name>]...
                             [--strict] [--output json|text|config]

Compiles the Gateway API objects in the manifests into the data-plane config and the status conditions
the spec defines for every Gateway, listener, route, ListenerSet, BackendTLSPolicy and ReferenceGrant.

  --manifests      YAML/JSON files or directories (multi-document YAML; repeat for several)
  --gateway        only this Gateway (its config and the status of the objects around it)
  --gateway-class  only Gateways of this class (default: every Gateway, as \`serve\` does)
  --strict         Services, Secrets and ConfigMaps missing from the manifests are errors
                   (default: only in namespaces where the manifests hold some of that kind)
  --output         json (default): {"configs", "status", "diagnostics"};
                   text: a readable status report; config: the one Gateway's DataPlaneConfig

Exit code: 0 when everything is accepted, 1 when a Gateway, ListenerSet or route is not Accepted or the
input has errors, 2 on a usage error.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv, { ...COMPILE_FLAGS, output: { value: true } });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const output = args.flags.output?.[0] ?? 'json';
    if (!['json', 'text', 'config'].includes(output)) throw new UsageError(`--output must be json, text or config, got "${output}"`);
    const c = await compileFromFlags(args);
    const diagnostics = c.result.diagnostics;

    if (output === 'config') {
      process.stdout.write(serializeConfig(singleConfig(c)));
    } else if (output === 'json') {
      process.stdout.write(`${canonicalJson({ configs: c.configs, status: c.status, diagnostics })}\n`);
    } else {
      process.stdout.write(`${formatStatus(c.status)}\n`);
    }
    const err: string[] = [...c.loadErrors.map((e) => `error: ${e}`), ...diagnosticLines(diagnostics, c.sources)];
    const refused = notAccepted(c.status);
    if (refused.length > 0) err.push(`not accepted:\n${refused.map((r) => `  ${r}`).join('\n')}`);
    if (err.length > 0 && output !== 'text') process.stderr.write(`${err.join('\n')}\n`);
    else if (err.length > 0) process.stdout.write(`\n${err.join('\n')}\n`);
    const failed = c.loadErrors.length > 0 || refused.length > 0 || diagnostics.some((d) => d.severity === 'error');
    return failed ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway compile: ${e.message}\n${e.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    throw e;
  }
}
