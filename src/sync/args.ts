/** sync's command line, and starting it (shared by the pod's sync.js and `cdk8s-gateway serve --kubeconfig`). */
import * as os from 'node:os';
import { GatewaySync } from './gateway-sync';
import { KubeClient } from './kube-client';
import { loadClusterAccess } from './kubeconfig';
import { LeaderElection } from './lease';
import { DEFAULT_STATUS_WRITES_PER_SECOND, StatusWriter } from './status-writer';
import { Logger, LogLevel, parseLogLevel } from '../dataplane/ops/log';
import { CONTROLLER_NAME, statusLeaseName } from '../spec/project';

export const SYNC_USAGE = `usage: sync --gateway <ns>/<name> --sync-dir <dir> [options]

  --gateway <ns>/<name>   the Gateway this pod serves
  --sync-dir <dir>        the directory shared with the data plane (config, endpoints, certificates, metrics)
  --kubeconfig <file>     a kubeconfig (default: the pod's ServiceAccount)
  --context <name>        a context of that kubeconfig (default: its current-context)
  --any-gateway-class     compile the Gateway whatever its gatewayClassName (a local run)
  --write-status          write the Gateway's status to the cluster while this pod holds the Gateway's Lease
  --lease-duration <s>    seconds without renewal after which another pod takes the Lease (default 15)
  --identity <name>       this pod's name in the Lease (default: the host name, which is the pod name)
  --status-writes-per-second <n>  the bound on status writes (default ${DEFAULT_STATUS_WRITES_PER_SECOND}, bursts of twice that)
  --log-level <level>     debug, info, warn, error or off (default info)
`;

export interface SyncArgs {
  readonly gateway: { namespace: string; name: string };
  readonly dir: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly anyGatewayClass: boolean;
  readonly logLevel: LogLevel;
  /** Off for `serve --kubeconfig` (a laptop does not compete with the pods). */
  readonly writeStatus?: boolean;
  readonly leaseDurationSeconds?: number;
  readonly identity?: string;
  readonly statusWritesPerSecond?: number;
}

export class SyncUsageError extends Error {}

export function parseSyncArgs(argv: readonly string[]): SyncArgs {
  let gateway: string | undefined;
  let dir: string | undefined;
  let kubeconfig: string | undefined;
  let context: string | undefined;
  let anyGatewayClass = false;
  let logLevel: LogLevel = 'info';
  let writeStatus = false;
  let leaseDurationSeconds = 15;
  let identity = os.hostname();
  let statusWritesPerSecond = DEFAULT_STATUS_WRITES_PER_SECOND;
  const positive = (flag: string, v: string) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new SyncUsageError(`${flag} must be a positive number, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new SyncUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--gateway': gateway = value(); break;
      case '--sync-dir': dir = value(); break;
      case '--kubeconfig': kubeconfig = value(); break;
      case '--context': context = value(); break;
      case '--any-gateway-class': anyGatewayClass = true; break;
      case '--log-level': logLevel = parseLogLevel(value()); break;
      case '--write-status': writeStatus = true; break;
      case '--lease-duration': leaseDurationSeconds = positive(flag, value()); break;
      case '--identity': identity = value(); break;
      case '--status-writes-per-second': statusWritesPerSecond = positive(flag, value()); break;
      default: throw new SyncUsageError(`unknown option "${flag}"`);
    }
  }
  const m = gateway ? /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(gateway) : null;
  if (!m) throw new SyncUsageError(`--gateway must be <namespace>/<name>, got "${gateway ?? ''}"`);
  if (!dir) throw new SyncUsageError('--sync-dir <dir> is required');
  if (context && !kubeconfig) throw new SyncUsageError('--context needs --kubeconfig');
  return {
    gateway: { namespace: m[1], name: m[3] },
    dir,
    kubeconfig,
    context,
    anyGatewayClass,
    logLevel,
    writeStatus,
    leaseDurationSeconds,
    identity,
    statusWritesPerSecond,
  };
}

/** Starts sync; returns it running (stop() ends it). */
export async function startSync(args: SyncArgs, log: Logger): Promise<RunningSync> {
  const access = await loadClusterAccess({ file: args.kubeconfig, context: args.context });
  const client = new KubeClient(access);
  let writer: StatusWriter | undefined;
  const sync = new GatewaySync(client, {
    gateway: args.gateway, dir: args.dir, anyGatewayClass: args.anyGatewayClass, log, onCompiled: (r) => writer?.update(r.status),
  });
  log.info('sync starting', { gateway: `${args.gateway.namespace}/${args.gateway.name}`, apiServer: access.server, credentials: access.description });
  let election: LeaderElection | undefined;
  if (args.writeStatus) {
    const rate = args.statusWritesPerSecond ?? DEFAULT_STATUS_WRITES_PER_SECOND;
    const w = new StatusWriter(client, sync.cache, (kind) => sync.resourceOf(kind), {
      scope: { gateway: args.gateway, controllerName: CONTROLLER_NAME }, writesPerSecond: rate, burst: 2 * rate, log,
    });
    writer = w;
    election = new LeaderElection(client, {
      namespace: args.gateway.namespace,
      name: statusLeaseName(args.gateway.name),
      identity: args.identity ?? os.hostname(),
      leaseDurationSeconds: args.leaseDurationSeconds,
      log,
      onStartedLeading: () => w.setActive(true),
      onStoppedLeading: () => w.setActive(false),
    });
    election.start();
  }
  void sync.start();
  return { sync, client, writer, election };
}

export interface RunningSync {
  readonly sync: GatewaySync;
  readonly client: KubeClient;
  readonly writer?: StatusWriter;
  readonly election?: LeaderElection;
}


