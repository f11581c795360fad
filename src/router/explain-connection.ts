import type { ExplainedListener } from './explain';
import type { OutcomeCode } from './outcomes';
import { normalizeHost } from './request';
import { SniRouter } from './sni-router';
import type { BackendConfig, DataPlaneConfig, InvalidBackendConfig, L4BackendConfig, ListenerConfig, PortConfig, SourceRef } from '../config/dataplane-config';

/** A connection as a client opens it: the port, the transport and, for TLS, the ClientHello server name. */
export interface ConnectionInput {
  readonly port: number;
  /** @default 'TCP' */
  readonly transport?: 'TCP' | 'UDP';
  /** TLS ports: the server name the client sends (SNI); absent or '' for a client that sends none. */
  readonly serverName?: string;
}

/** A share of a layer-4 route's connections (or UDP sessions). */
export interface ExplainedL4Backend {
  readonly weight: number;
  /** Share of the connections, 0-100 (two decimals). */
  readonly percent: number;
  readonly backend?: BackendConfig;
  /** Set when the share is refused (connection reset, datagrams dropped). */
  readonly invalid?: InvalidBackendConfig;
}

/** What the gateway does with a connection, and why. */
export interface ConnectionExplanation {
  readonly connection: { readonly port: number; readonly transport: 'TCP' | 'UDP'; readonly serverName: string };
  readonly listener?: ExplainedListener;
  readonly route?: SourceRef;
  /**
   * How the connection is handled: `Passthrough` or `Terminate` (TLSRoute), `TCP`, `UDP`, or `HTTP`/`HTTPS`
   * when HTTP routing takes over (explain the request with an http(s):// or grpc(s):// URL).
   */
  readonly mode?: string;
  readonly backends: ExplainedL4Backend[];
  /** GW_ROUTED, GW_HTTP, GW_NO_LISTENER, GW_UNKNOWN_SERVER_NAME, GW_NO_ROUTE or GW_NO_BACKEND (the outcome table, outcomes.ts). */
  readonly code: OutcomeCode;
  /** True when the gateway refuses the connection (closed or reset, UDP datagrams dropped). */
  readonly refused: boolean;
  readonly notes: string[];
}

const sniRouters = new WeakMap<PortConfig, SniRouter>();

function sniRouterFor(port: PortConfig): SniRouter {
  let r = sniRouters.get(port);
  if (!r) {
    r = SniRouter.build(port);
    sniRouters.set(port, r);
  }
  return r;
}

function explainListener(l: ListenerConfig, port: number): ExplainedListener {
  return { id: l.id, name: l.name, protocol: l.protocol, hostname: l.hostname, port, parent: l.parent };
}

/**
 * Explains a connection the way the data plane handles it: a TCP or UDP port's route and weighted backends; on
 * a TLS port, the listener and TLSRoute the ClientHello's server name selects (exact name, then the longest
 * wildcard), or why the connection is refused.
 */
export function explainConnection(config: DataPlaneConfig, input: ConnectionInput): ConnectionExplanation {
  const transport = input.transport ?? 'TCP';
  const serverName = normalizeHost(input.serverName);
  const connection = { port: input.port, transport, serverName };
  const none = { backends: [] as ExplainedL4Backend[] };
  const port = config.ports.find((p) => p.port === input.port && p.transport === transport);
  if (!port) {
    const ports = config.ports.map((p) => `${p.port}/${p.transport} (${p.kind})`).join(', ') || 'none';
    return { connection, ...none, code: 'GW_NO_LISTENER', refused: true, notes: [`nothing listens on ${transport} port ${input.port} (ports: ${ports})`] };
  }
  if (port.kind === 'HTTP') {
    return {
      connection,
      ...none,
      listener: explainListener(port.listeners[0], port.port),
      mode: 'HTTP',
      code: 'GW_HTTP',
      refused: false,
      notes: [`port ${port.port} serves HTTP and h2c: explain a request with an http:// or grpc:// URL`],
    };
  }
  if (port.kind === 'TCP' || port.kind === 'UDP') {
    const l = port.listeners[0];
    const listener = explainListener(l, port.port);
    if (!l.l4Route) {
      return { connection, ...none, listener, mode: port.kind, code: 'GW_NO_ROUTE', refused: true, notes: [`no ${port.kind === 'TCP' ? 'TCPRoute' : 'UDPRoute'} is attached to listener "${l.name}"`] };
    }
    return routed(connection, listener, l.l4Route.source, port.kind, l.l4Route.backends, config, port.kind === 'UDP' ? 'sessions' : 'connections');
  }
  // TLS: what the ClientHello's server name selects
  const d = sniRouterFor(port).matchSni(serverName);
  const asked = serverName ? `server name "${serverName}"` : 'no server name (SNI)';
  const https = port.listeners.find((l) => l.protocol === 'HTTPS');
  if (!d || d.listener.protocol === 'HTTPS') {
    const l = d?.listener ?? https;
    if (!l) {
      const names = port.listeners.map((x) => `${x.name} (${x.hostname ?? 'any name'})`).join(', ');
      return { connection, ...none, code: 'GW_UNKNOWN_SERVER_NAME', refused: true, notes: [`no listener of port ${port.port} accepts ${asked} (listeners: ${names}): the connection is closed before the handshake (no TLS alert)`] };
    }
    const how = d ? `terminated with the certificate of listener "${l.name}"` : `no listener matches ${asked}: terminated with the default certificate (listener "${l.name}"), then answered 421/404 over HTTP`;
    return {
      connection,
      ...none,
      listener: explainListener(l, port.port),
      mode: 'HTTPS',
      code: 'GW_HTTP',
      refused: false,
      notes: [`${how}; HTTP routing follows: explain a request with an https:// or grpcs:// URL`],
    };
  }
  const listener = explainListener(d.listener, port.port);
  if (!d.entry) {
    const routes = (d.listener.tlsRoutes ?? []).map((e) => `${e.source.namespace}/${e.source.name} (${e.hostnames.join(', ') || 'any name'})`).join(', ') || 'none';
    return {
      connection,
      ...none,
      listener,
      mode: d.listener.tls?.mode,
      code: 'GW_UNKNOWN_SERVER_NAME',
      refused: true,
      notes: [`no TLSRoute of listener "${d.listener.name}" accepts ${asked} (TLSRoutes: ${routes}): the connection is closed before the handshake (no TLS alert)`],
    };
  }
  return routed(connection, listener, d.entry.source, d.listener.tls?.mode ?? 'Passthrough', d.entry.backends, config, 'connections');
}

function routed(
  connection: ConnectionExplanation['connection'], listener: ExplainedListener, route: SourceRef, mode: string,
  shares: readonly L4BackendConfig[], config: DataPlaneConfig, what: string,
): ConnectionExplanation {
  const total = shares.reduce((s, b) => s + b.weight, 0);
  const backends = shares.map((b) => ({
    weight: b.weight,
    percent: total > 0 ? Math.round((b.weight / total) * 10000) / 100 : 0,
    backend: b.backend !== undefined ? config.backends[b.backend] : undefined,
    invalid: b.invalid,
  }));
  const base = { connection, listener, route, mode, backends };
  if (!backends.some((b) => b.backend)) {
    const notes = backends.length === 0 ? [`the route has no backend with a weight above 0: every one of its ${what} is refused`]
      : backends.map((b) => `refused: ${b.invalid?.reason}: ${b.invalid?.message}`);
    return { ...base, code: 'GW_NO_BACKEND', refused: true, notes };
  }
  const notes = backends.filter((b) => b.invalid).map((b) => `${b.percent}% of ${what} are refused: ${b.invalid!.reason}: ${b.invalid!.message}`);
  return { ...base, code: 'GW_ROUTED', refused: false, notes };
}

/** A readable rendering (what `cdk8s-gateway explain tls://... | tcp://... | udp://...` prints). */
export function formatConnectionExplanation(e: ConnectionExplanation): string {
  const c = e.connection;
  const lines = [`connection: ${c.transport} port ${c.port}${c.transport === 'TCP' ? `, server name ${c.serverName ? `"${c.serverName}"` : '(none)'}` : ''}`];
  if (e.listener) {
    const p = e.listener.parent;
    lines.push(`listener:   ${e.listener.name} (${e.listener.protocol} port ${e.listener.port}, hostname ${e.listener.hostname ?? 'any'}) of ${p.kind} ${p.namespace}/${p.name}`);
  }
  if (e.mode) lines.push(`mode:       ${e.mode}`);
  if (e.route) lines.push(`route:      ${e.route.kind} ${e.route.namespace}/${e.route.name}`);
  if (e.backends.length) {
    lines.push('backends:');
    for (const b of e.backends) {
      const what = b.backend ? `${b.backend.namespace}/${b.backend.name}:${b.backend.port}${b.backend.tls ? ' (TLS)' : ''}` : `invalid: ${b.invalid?.reason}`;
      lines.push(`  - ${what} weight ${b.weight} (${b.percent}%)`);
    }
  }
  lines.push(`outcome:    ${e.code}${e.refused ? ' → refused' : e.code === 'GW_ROUTED' ? ' → forwarded' : ''}`);
  for (const n of e.notes) lines.push(`  ${n}`);
  return lines.join('\n');
}
