/**
 * `cdk8s-gateway bundle`: the data-plane objects (ConfigMaps, Deployment, Service...) for Gateway API YAML
 * that was not written with the constructs, the same objects the synth step renders for a cdk8s app.
 * cdk8s and cdk8s-plus-28 are loaded from the user's node_modules (they are external to assets/cli.js).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs, parseObjectKey, UsageError } from './args';
import { diagnosticLines } from './compiled-gateways';
import { loadManifests } from './manifests';
import { compile, formatSynthFinding, synthReport } from '../compiler';
import type { DataPlaneLogLevel, DataPlaneProps, DataPlaneServiceType } from '../constructs/data-plane';
import { NODE_DATA_PLANE_CLASS_NAME } from '../spec/project';
import { DATA_PLANE_DEFAULT_IMAGE } from '../spec/runtime';

const USAGE = `usage: cdk8s-gateway bundle --manifests <file|dir>... -o <file|-> [--gateway <ns>/<name>] [--gateway-class <name>]...
                            [--replicas <n>] [--image <image>] [--service-type LoadBalancer|NodePort|ClusterIP]
                            [--compress-config] [--metrics-service] [--no-network-policy] [--log-level <level>] [--strict]

Writes the objects that run this project's data plane for each Gateway of its class in the manifests
(Gateway API YAML written by hand, by Helm, or by anything else): a bundle ConfigMap, a config ConfigMap
with the compiled routes, ServiceAccount, Deployment, Service, NetworkPolicy and, for more than one
replica, a PodDisruptionBudget. Apply them next to the manifests.

  --manifests        YAML/JSON files or directories (repeat for several)
  -o, --output       the YAML file to write, or - for stdout
  --gateway          only this Gateway
  --gateway-class    Gateways of this class are served by this data plane (repeatable; default:
                     "${NODE_DATA_PLANE_CLASS_NAME}" and any GatewayClass in the manifests whose controllerName is this data plane's)
  --replicas         pods per Gateway (default 2)
  --image            the Node.js image (default ${DATA_PLANE_DEFAULT_IMAGE})
  --service-type     type of the Service exposing the listeners (default LoadBalancer)
  --compress-config  ship the compiled config gzip-compressed (for configs over the 1 MiB a ConfigMap holds)
  --metrics-service  also write a ClusterIP Service for /metrics
  --no-network-policy  do not write a NetworkPolicy
  --log-level        debug, info, warn or error (default info)
  --strict           Services, Secrets and ConfigMaps missing from the manifests are errors

Exit code: 0 when every selected Gateway got its data plane, 1 when the manifests have a problem \`cdk8s synth\`
would fail on (a Gateway or route not accepted, an unresolved reference: printed with the fix) or a Gateway
cannot be deployed, 2 on a usage error.`;

const SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'];
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

/**
 * The rendering code needs cdk8s and cdk8s-plus-28, which are not bundled: they come from the user's
 * node_modules, like for a cdk8s app. Loaded only by this command, so that the others run without them.
 */
async function loadRenderer() {
  try {
    return {
      cdk8s: await import('cdk8s'),
      dataPlane: await import('../deploy/gateway-data-plane.js'),
      inputs: await import('../deploy/gateway-inputs.js'),
    };
  } catch (e) {
    if (!['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    throw new UsageError(`${(e as Error).message.split('\n')[0]}: \`bundle\` renders with cdk8s and cdk8s-plus-28; ` +
      'install them next to cdk8s-gateway (npm install cdk8s cdk8s-plus-28 constructs)', false);
  }
}

function options(flags: Record<string, string[]>, switches: Set<string>): DataPlaneProps {
  const one = (name: string) => flags[name]?.[0];
  const replicasText = one('replicas');
  const replicas = replicasText === undefined ? undefined : Number(replicasText);
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new UsageError(`--replicas must be a whole number, got "${replicasText}"`);
  const serviceType = one('service-type');
  if (serviceType !== undefined && !SERVICE_TYPES.includes(serviceType)) {
    throw new UsageError(`--service-type must be one of ${SERVICE_TYPES.join(', ')}, got "${serviceType}"`);
  }
  const logLevel = one('log-level');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    replicas,
    image: one('image'),
    serviceType: serviceType as DataPlaneServiceType | undefined,
    compressConfig: switches.has('compress-config'),
    metricsService: switches.has('metrics-service'),
    networkPolicy: !switches.has('no-network-policy'),
    logLevel: logLevel as DataPlaneLogLevel | undefined,
  };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv, {
      'manifests': { value: true, repeat: true },
      'output': { value: true, alias: 'o' },
      'gateway': { value: true },
      'gateway-class': { value: true, repeat: true },
      'replicas': { value: true },
      'image': { value: true },
      'service-type': { value: true },
      'log-level': { value: true },
      'compress-config': {},
      'metrics-service': {},
      'no-network-policy': {},
      'strict': {},
    });
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const paths = args.flags.manifests ?? [];
    if (paths.length === 0) throw new UsageError('--manifests <file|dir> is required (repeat it for several)');
    const out = args.flags.output?.[0];
    if (!out) throw new UsageError('-o <file> is required (- writes to stdout)');
    const selected = args.flags.gateway ? parseObjectKey(args.flags.gateway[0], 'gateway') : undefined;
    const opts = options(args.flags, args.switches);

    const loaded = await loadManifests(paths);
    if (loaded.errors.length > 0) {
      process.stderr.write(loaded.errors.map((e) => `error: ${e}\n`).join(''));
      return 1;
    }
    const result = compile(loaded.objects, {
      gatewayClassNames: args.flags['gateway-class'] ?? [NODE_DATA_PLANE_CLASS_NAME],
      references: args.switches.has('strict') ? 'strict' : 'namespace',
    });
    const findings = synthReport({ status: result.status, diagnostics: [] });
    const errors = [
      ...diagnosticLines(result.diagnostics.filter((d) => d.severity === 'error'), loaded.sources),
      ...findings.filter((f) => f.severity === 'error').map((f) => `error: ${formatSynthFinding(f)}`),
    ];
    const warnings = findings.filter((f) => f.severity === 'warning').map((f) => `warning: ${formatSynthFinding(f)}`);
    const ours = result.status.filter((s) => s.kind === 'Gateway' && (!selected || (s.namespace === selected.namespace && s.name === selected.name)));
    if (ours.length === 0) {
      const all = loaded.objects.filter((o: any) => o?.kind === 'Gateway').map((o: any) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name} (class ${o.spec?.gatewayClassName})`);
      throw new UsageError(`no ${selected ? `Gateway ${selected.namespace}/${selected.name} ` : 'Gateway '}of this data plane's class in the manifests ` +
        `(Gateways: ${all.join(', ') || 'none'}); name the class with --gateway-class`, false);
    }

    // the objects land in the namespace of their Gateway
    const { cdk8s, dataPlane, inputs } = await loadRenderer();
    const app = new cdk8s.App();
    for (const gw of ours) {
      const ns = gw.namespace!;
      const config = result.configs.find((c) => c.gateway.namespace === ns && c.gateway.name === gw.name);
      if (!config) continue; // not accepted: the findings say why
      const object = loaded.objects.find((o: any) => o?.kind === 'Gateway' && (o.metadata?.namespace ?? 'default') === ns && o.metadata?.name === gw.name);
      try {
        new dataPlane.GatewayDataPlane(new cdk8s.Chart(app, `${ns}-${gw.name}`), 'DataPlane', inputs.gatewayDataPlaneProps(config, object, opts, loaded.objects));
      } catch (e) {
        errors.push(`error: ${(e as Error).message}`);
      }
    }
    process.stderr.write(warnings.map((w) => `${w}\n`).join(''));
    if (errors.length > 0) {
      process.stderr.write(`${errors.join('\n')}\n`);
      return 1;
    }
    const yaml = app.synthYaml();
    if (out === '-') process.stdout.write(yaml);
    else await writeFile(out, yaml);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cdk8s-gateway bundle: ${e.message}\n${e.showUsage ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    throw e;
  }
}
