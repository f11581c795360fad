import { LogLevel, parseLogLevel } from './ops/log';
import { PORT_RANGE } from '../spec/limits';

/** Where a `--backend ns/svc:port=host:port` mapping sends a backend. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Everything the data-plane process is started with (besides the config file's content). */
export interface DataPlaneArgs {
  /** The config compiled at synth (or by `serve`); with `syncDir` optional: sync's config then comes first. */
  readonly configFile?: string;
  /**
   * Cluster mode: the directory sync writes into (config.json, endpoints/, secrets/, configmaps/,
   * sync-metrics.prom). Its config replaces `configFile` once present; the data plane is ready only after
   * it loaded one (and stays ready when sync loses the API server).
   */
  readonly syncDir?: string;
  readonly secretsDir?: string;
  readonly configMapsDir?: string;
  /** Admin server port (`/healthz`, `/readyz`, `/metrics`); absent: no admin server. 0 picks a free port. */
  readonly adminPort?: number;
  /** Address every listener and the admin server bind to. */
  readonly address: string;
  /** listener port → local port to bind instead. */
  readonly portMap: ReadonlyMap<number, number>;
  /** backend id (`ns/svc:port`) → host:port, consulted before DNS. */
  readonly backendMap: ReadonlyMap<string, HostPort>;
  readonly logLevel: LogLevel;
  readonly accessLog: boolean;
  /** Longest a SIGTERM waits for in-flight requests before closing them. */
  readonly drainTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  /** A request head must arrive within this (408 after); a new connection's first head counts from the accept. */
  readonly headerTimeoutMs: number;
  /** Idle keep-alive connections and stalled request bodies are closed after this. */
  readonly idleTimeoutMs: number;
  /** TCPRoute and TLSRoute connections with no bytes either way are closed after this. */
  readonly tcpIdleTimeoutMs: number;
  /** UDPRoute client sessions with no datagram either way are forgotten after this. */
  readonly udpIdleTimeoutMs: number;
  /** UDP sessions per port. */
  readonly udpMaxSessions: number;
  /** The ClientHello and the TLS handshake must complete within this. */
  readonly tlsHandshakeTimeoutMs: number;
  /** TLS session resumption (session tickets) on terminating ports; off: every connection is a full handshake. */
  readonly tlsSessionResumption: boolean;
  /** Connections one client address may hold open at once (HTTP, TLS and TCP ports together); 0: no limit. */
  readonly maxConnectionsPerClient: number;
  /** How long new connections of an address are refused after one of its connections was closed for abuse; 0: never. */
  readonly abusePenaltyMs: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS the gateway announces to HTTP/2 clients. */
  readonly h2MaxConcurrentStreams: number;
  /** Streams an HTTP/2 client may reset before their answer (when more than half of its streams) before its connection is closed; 0: no limit. */
  readonly h2MaxPrematureResets: number;
  /** Connections per HTTP/TLS port still in their TLS handshake or before their first bytes; a new one beyond closes the oldest; 0: no limit. */
  readonly maxPendingConnections: number;
}

export const DATAPLANE_USAGE = `usage: dataplane --config <file> [options]
       dataplane --sync-dir <dir> [--config <file>] [options]

  --config <file>                    DataPlaneConfig JSON (watched; a valid change is served without restart)
  --sync-dir <dir>                   cluster mode: sync's directory (its config.json replaces --config once written;
                                     endpoints/, secrets/ and configmaps/ come before DNS and the other dirs)
  --secrets-dir <dir>                certificates: <dir>/<namespace>/<name>/tls.crt and tls.key
  --configmaps-dir <dir>             CA bundles: <dir>/<namespace>/<name>/<key>
  --admin-port <n>                   serve /healthz, /readyz and /metrics on this port (0: any free port)
  --address <ip>                     address to bind (default 0.0.0.0)
  --port-map <listenerPort>=<port>   bind a listener port on another local port (repeatable; 0: any free port)
  --backend <ns>/<svc>:<port>=<host>:<port>
                                     send a Service port to host:port instead of resolving it (repeatable)
  --log-level <level>                debug, info, warn, error or off (default info)
  --no-access-log                    do not log one line per request
  --drain-timeout <seconds>          on SIGTERM, how long in-flight requests may finish (default 25)
  --max-header-size <bytes>          request header limit, 431 above it (default 16384)
  --max-headers <n>                  request header count limit, 431 above it (default 100)
  --header-timeout <seconds>         time a client has to send a request head (a new connection's first one, or the HTTP/2
                                     preface, from the accept), 408 after, or a silent close if nothing came (default 30)
  --idle-timeout <seconds>           idle keep-alive connections and stalled bodies are closed after (default 60)
  --tcp-idle-timeout <seconds>       TCPRoute/TLSRoute connections with no bytes either way are closed after (default 3600)
  --udp-idle-timeout <seconds>       UDPRoute client sessions with no datagram either way end after (default 60)
  --udp-max-sessions <n>             UDP client sessions per port; new clients beyond are dropped (default 16384)
  --tls-handshake-timeout <seconds>  time a TLS client has to send its ClientHello and finish the handshake (default 10)
  --no-tls-session-resumption        issue no TLS session tickets: every connection is a full handshake
  --tls-handshake-timeout <seconds>  time a TLS client has from the accept to send its ClientHello and finish the handshake (default 10)
  --max-connections-per-client <n>   open connections per client address on HTTP, TLS and TCP ports; 0: no limit (default 4096)
  --abuse-penalty <seconds>          refuse an address's new connections this long after one was closed for abuse; 0: off (default 10)
  --h2-max-concurrent-streams <n>    HTTP/2 streams a client may have open at once (default 128)
  --h2-max-premature-resets <n>      close an HTTP/2 connection that reset this many streams before their answer (rapid reset); 0: off (default 100)
  --max-pending-connections <n>      connections per HTTP/TLS port still in their TLS handshake or before their first bytes; beyond, the
                                     oldest is closed (a stalled TLS handshake holds ~45 KiB outside the heap); 0: no limit (default 2048)
`;

/** Defaults of the layer-4 timeouts and limits (also what `cdk8s-gateway serve` runs with). */
export const L4_DEFAULTS = {
  tcpIdleTimeoutMs: 3_600_000, udpIdleTimeoutMs: 60_000, udpMaxSessions: 16384, tlsHandshakeTimeoutMs: 10_000, tlsSessionResumption: true,
} as const;

/** Defaults of the per-client and per-connection abuse limits (also what `cdk8s-gateway serve` runs with). */
export const ABUSE_DEFAULTS = {
  maxConnectionsPerClient: 4096, abusePenaltyMs: 10_000, h2MaxConcurrentStreams: 128, h2MaxPrematureResets: 100, maxPendingConnections: 2048,
} as const;

export class UsageError extends Error {}

function intArg(flag: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined || !/^\d+$/.test(v)) throw new UsageError(`${flag} needs a whole number, got "${v ?? ''}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${flag} ${n} is out of range ${min}..${max}`);
  return n;
}

/** Parses `<listenerPort>=<localPort>`. */
export function parsePortMapping(v: string, into: Map<number, number>): void {
  const m = /^(\d+)=(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--port-map "${v}" must look like 80=8080 (listener port = local port)`);
  into.set(intArg('--port-map listener port', m[1], PORT_RANGE.min, PORT_RANGE.max), intArg('--port-map local port', m[2], 0, 65535));
}

/** Parses `<ns>/<service>:<port>=<host>:<port>`. */
export function parseBackendMapping(v: string, into: Map<string, HostPort>): void {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d+)=(\[[0-9a-fA-F:.]+\]|[^:=\s]+):(\d+)$/.exec(v);
  if (!m) {
    throw new UsageError(`--backend "${v}" must look like shop/api:8080=127.0.0.1:3000 (namespace/service:port=host:port)`);
  }
  const svcPort = intArg('--backend service port', m[5], PORT_RANGE.min, PORT_RANGE.max);
  const host = m[6].startsWith('[') ? m[6].slice(1, -1) : m[6];
  into.set(`${m[1]}/${m[3]}:${svcPort}`, { host, port: intArg('--backend target port', m[7], PORT_RANGE.min, PORT_RANGE.max) });
}

export function parseDataPlaneArgs(argv: readonly string[]): DataPlaneArgs {
  let configFile: string | undefined;
  let syncDir: string | undefined;
  let secretsDir: string | undefined;
  let configMapsDir: string | undefined;
  let adminPort: number | undefined;
  let address = '0.0.0.0';
  let logLevel: LogLevel = 'info';
  let accessLog = true;
  let drainTimeoutMs = 25_000;
  let maxHeaderBytes = 16384;
  let maxHeaderCount = 100;
  let headerTimeoutMs = 30_000;
  let idleTimeoutMs = 60_000;
  let tcpIdleTimeoutMs: number = L4_DEFAULTS.tcpIdleTimeoutMs;
  let udpIdleTimeoutMs: number = L4_DEFAULTS.udpIdleTimeoutMs;
  let udpMaxSessions: number = L4_DEFAULTS.udpMaxSessions;
  let tlsHandshakeTimeoutMs: number = L4_DEFAULTS.tlsHandshakeTimeoutMs;
  let tlsSessionResumption: boolean = L4_DEFAULTS.tlsSessionResumption;
  let maxConnectionsPerClient: number = ABUSE_DEFAULTS.maxConnectionsPerClient;
  let abusePenaltyMs: number = ABUSE_DEFAULTS.abusePenaltyMs;
  let h2MaxConcurrentStreams: number = ABUSE_DEFAULTS.h2MaxConcurrentStreams;
  let h2MaxPrematureResets: number = ABUSE_DEFAULTS.h2MaxPrematureResets;
  let maxPendingConnections: number = ABUSE_DEFAULTS.maxPendingConnections;
  const portMap = new Map<number, number>();
  const backendMap = new Map<string, HostPort>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--config': configFile = value(); break;
      case '--sync-dir': syncDir = value(); break;
      case '--secrets-dir': secretsDir = value(); break;
      case '--configmaps-dir': configMapsDir = value(); break;
      case '--admin-port': adminPort = intArg(flag, value(), 0, 65535); break;
      case '--address': address = value(); break;
      case '--port-map': parsePortMapping(value(), portMap); break;
      case '--backend': parseBackendMapping(value(), backendMap); break;
      case '--log-level': logLevel = parseLogLevel(value()); break;
      case '--no-access-log': accessLog = false; break;
      case '--drain-timeout': drainTimeoutMs = intArg(flag, value(), 0, 3600) * 1000; break;
      case '--max-header-size': maxHeaderBytes = intArg(flag, value(), 1024, 1048576); break;
      case '--max-headers': maxHeaderCount = intArg(flag, value(), 8, 10000); break;
      case '--header-timeout': headerTimeoutMs = intArg(flag, value(), 1, 3600) * 1000; break;
      case '--idle-timeout': idleTimeoutMs = intArg(flag, value(), 1, 86400) * 1000; break;
      case '--tcp-idle-timeout': tcpIdleTimeoutMs = intArg(flag, value(), 1, 604800) * 1000; break;
      case '--udp-idle-timeout': udpIdleTimeoutMs = intArg(flag, value(), 1, 86400) * 1000; break;
      case '--udp-max-sessions': udpMaxSessions = intArg(flag, value(), 1, 1_000_000); break;
      case '--tls-handshake-timeout': tlsHandshakeTimeoutMs = intArg(flag, value(), 1, 600) * 1000; break;
      case '--no-tls-session-resumption': tlsSessionResumption = false; break;
      case '--max-connections-per-client': maxConnectionsPerClient = intArg(flag, value(), 0, 10_000_000); break;
      case '--abuse-penalty': abusePenaltyMs = intArg(flag, value(), 0, 86400) * 1000; break;
      case '--h2-max-concurrent-streams': h2MaxConcurrentStreams = intArg(flag, value(), 1, 100_000); break;
      case '--h2-max-premature-resets': h2MaxPrematureResets = intArg(flag, value(), 0, 10_000_000); break;
      case '--max-pending-connections': maxPendingConnections = intArg(flag, value(), 0, 10_000_000); break;
      default: throw new UsageError(`unknown option "${flag}"`);
    }
  }
  if (!configFile && !syncDir) throw new UsageError('--config <file> is required (or --sync-dir <dir>, cluster mode)');
  return {
    configFile,
    syncDir,
    secretsDir,
    configMapsDir,
    adminPort,
    address,
    portMap,
    backendMap,
    logLevel,
    accessLog,
    drainTimeoutMs,
    maxHeaderBytes,
    maxHeaderCount,
    headerTimeoutMs,
    idleTimeoutMs,
    tcpIdleTimeoutMs,
    udpIdleTimeoutMs,
    udpMaxSessions,
    tlsHandshakeTimeoutMs,
    tlsSessionResumption,
    maxConnectionsPerClient,
    abusePenaltyMs,
    h2MaxConcurrentStreams,
    h2MaxPrematureResets,
    maxPendingConnections,
  };
}
