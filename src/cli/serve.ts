import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, UsageError } from './args';
import { compileFromFlags, diagnosticLines, singleConfig } from './compiled-gateways';
import { manifestStamp, ManifestWatcher } from './manifest-watcher';
import { unusedBackendWarnings } from './serve-backends';
import { runCluster } from './serve-cluster';
import { ManifestReloader, warningLines } from './serve-reload';
import { writeWorkDir } from './serve-workdir';
import { ABUSE_DEFAULTS, DataPlaneArgs, HostPort, L4_DEFAULTS, parseBackendMapping, parsePortMapping, UsageError as DataPlaneUsageError } from '../dataplane/args';
import { ConfigError, DataPlane } from '../dataplane/dataplane';
import { parseLogLevel } from '../dataplane/ops/log';

const USAGE = `usage: cdk8s-gateway serve --manifests <file|dir>... [--gateway <ns>/<name>]
                           [--port-map <listenerPort>=<localPort>]... [--backend <ns>/<service>:<port>=<host>:<port>]...
                           [--address 127.0.0.1] [--admin-port <n>] [--log-level info] [--no-access-log]
       cdk8s-gateway serve --kubeconfig <file> [--context <name>] --gateway <ns>/<name> [the same options]

Runs the Gateway described by the manifests (synthesized dist/ or any Gateway API YAML) on this machine,
with the same data plane the pods run. Its gatewayClassName does not matter. Secrets and ConfigMaps in the
manifests supply certificates and CA bundles.

  --manifests   YAML/JSON files or directories (repeat for several)
  --gateway     the Gateway to serve when the manifests hold several
  --port-map    bind a listener port on another local port (e.g. 80=8080; 0 picks a free port)
  --backend     send a Service port to host:port (e.g. shop/api:8080=127.0.0.1:3000); other Services are
                resolved as <service>.<ns>.svc.cluster.local and answer 503 when that fails
  --address     address to bind (default 127.0.0.1)
  --admin-port  serve /healthz, /readyz and /metrics on this port

Prints one "listening <protocol> <listenerPort> <address>:<port> <listener>" line per bound listener, then "ready".
An HTTPS or TLS listener none of whose certificates can be loaded is refused instead, with the file and the reason
("refused <protocol> <listenerPort> <address>:<port> <listener>: certificate cannot be loaded: ..."; also listed by
/readyz); the other listeners serve, and it serves as soon as its certificate files are fixed.

The manifests are watched: when they change (a re-synth rewrote dist/), they are compiled again and the new
config is swapped in without dropping requests ("reloaded ..."). Manifests that do not parse or compile, or hold an
object the API server would refuse (the Gateway API CRDs' rules), are refused with the file, object, field and value
named, and the last good config keeps serving (at start: exit 1). Refusals also show in /metrics
(cdk8s_gateway_config_reloads_total{result="failure"}, cdk8s_gateway_config_last_reload_successful 0).
SIGTERM drains: idle connections close at once, requests in flight get up to 10 s.

With --kubeconfig, the Gateway is served the way a cluster-mode pod serves it: sync watches that cluster's
API server (Gateway API objects, Namespaces, Services, EndpointSlices, the Secrets and ConfigMaps the config
names) and recompiles on every change; backends go to their Services' ready endpoints unless --backend maps
them. The data plane runs as a separate process that gets no credentials. "ready" follows the first config.

  --kubeconfig  a kubeconfig file (kind, a dev cluster...)
  --context     a context of that file (default: its current-context)`;

const FLAGS = {
  'manifests': { value: true, repeat: true },
  'gateway': { value: true },
  'port-map': { value: true, repeat: true },
  'backend': { value: true, repeat: true },
  'address': { value: true },
  'admin-port': { value: true },
  'log-level': { value: true },
  'no-access-log': {},
  'kubeconfig': { value: true },
  'context': { value: true },
} as const;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let dp: DataPlane;
  let workDir: string;
  let watcher: ManifestWatcher;
  try {
    const args = parseArgs(argv, FLAGS);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    if (args.flags.kubeconfig) {
      // the data plane validates --port-map and --backend too, but a usage error is clearer here
      for (const v of args.flags['port-map'] ?? []) parsePortMapping(v, new Map());
      for (const v of args.flags.backend ?? []) parseBackendMapping(v, new Map());
      return await runCluster(args);
    }
    if (args.flags.context) throw new UsageError('--context needs --kubeconfig');
    const portMap = new Map<number, number>();
    for (const v of args.flags['port-map'] ?? []) parsePortMapping(v, portMap);
    const backendMap = new Map<string, HostPort>();
    for (const v of args.flags.backend ?? []) parseBackendMapping(v, backendMap);
    const adminPort = args.flags['admin-port'] ? Number(args.flags['admin-port'][0]) : undefined;
    if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort >= 0 && adminPort <= 65535)) {
      throw new UsageError(`--admin-port "${args.flags['admin-port']![0]}" is not a port number`);
    }
    // the manifests as they are before reading them: a change from now on is a reload
    const stamp = await manifestStamp(args.flags.manifests ?? []);
    const compiled = await compileFromFlags(args);
    const errors = [
      ...compiled.loadErrors.map((e) => `error: ${e}`),
      ...diagnosticLines(compiled.result.diagnostics.filter((d) => d.severity === 'error'), compiled.sources),
    ];
    const warnings = warningLines(compiled);
    if (errors.length + warnings.length > 0) process.stderr.write(`${[...errors, ...warnings].join('\n')}\n`);
    // what a reload would refuse is refused at start too: nothing is served with an object silently left out
    if (errors.length > 0) throw new ConfigError(`the manifests were refused (${errors.length} error${errors.length > 1 ? 's' : ''} above); fix them and start again`);
    const config = singleConfig(compiled);
    const unused = unusedBackendWarnings(backendMap.keys(), config);
    if (unused.length > 0) process.stderr.write(`${unused.join('\n')}\n`);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-serve-'));
    // the config, and the Secrets and ConfigMaps it refers to by name
    const files = writeWorkDir(workDir, config, compiled.objects);
    const dpArgs: DataPlaneArgs = {
      configFile: files.config,
      secretsDir: files.secrets,
      configMapsDir: files.configMaps,
      adminPort,
      address: args.flags.address?.[0] ?? '127.0.0.1',
      portMap,
      backendMap,
      logLevel: parseLogLevel(args.flags['log-level']?.[0] ?? 'info'),
      accessLog: !args.switches.has('no-access-log'),
      drainTimeoutMs: 10_000,
      maxHeaderBytes: 16384,
      maxHeaderCount: 100,
      headerTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      ...L4_DEFAULTS,
      ...ABUSE_DEFAULTS,
    };
    dp = new DataPlane(dpArgs);
    await dp.start();
    const reloader = new ManifestReloader(args, config.gateway, dp, workDir, config, warnings);
    watcher = new ManifestWatcher(args.flags.manifests ?? [], stamp, () => reloader.reload().then(() => undefined));
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataPlaneUsageError) {
      const show = e instanceof UsageError ? e.showUsage : true;
      process.stderr.write(`cdk8s-gateway serve: ${e.message}\n${show ? `\n${USAGE}\n` : ''}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`cdk8s-gateway serve: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  return new Promise<number>((resolve) => {
    const stop = () => {
      watcher.close();
      dp.shutdown().then(() => {
        fs.rmSync(workDir, { recursive: true, force: true });
        resolve(0);
      }, () => resolve(1));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
