/**
 * `--verify`: requests derived from every Ingress rule are decided twice, by the model of ingress-nginx
 * (nginx-model.ts) and by the compiled Gateway's router through `explain`'s public entry (explainRequest,
 * explainConnection: the data plane's own decision), and every disagreement is listed.
 *
 * Derived requests, per host name (wildcards get a one- and a two-label name): for every location, paths that
 * match it and paths next to it that do not (the bare prefix, the prefix plus a character, a deeper path, an
 * upper-case variant on regex hosts), with a query once; on canary backends the header values and cookies
 * that decide them; over http and, for hosts with a certificate, https; ssl-passthrough hosts as TLS
 * connections.
 */
import { compile } from '../compiler';
import type { ObjectStatus } from '../compiler';
import type { DataPlaneConfig, HttpFilterConfig } from '../config/dataplane-config';
import { explainConnection, explainRequest, rewritePath } from '../router';
import type { Explanation } from '../router';
import { Migration } from './migrate';
import { canaryDecision, certificateFor, DEFAULT_SERVER, decide, ModelOutcome, ModelRequest, NginxModel, Server } from './nginx-model';
import { isWildcard } from '../spec/hostname';

/** One request both sides decided differently. */
export interface VerifyDisagreement {
  /** `GET http://shop.example.com/api/x` with the headers that matter. */
  readonly request: string;
  /** What ingress-nginx does (the model). */
  readonly ingress: string;
  /** What the Gateway does (explain). */
  readonly gateway: string;
}

export interface VerifyResult {
  /** Requests (and TLS connections) decided. */
  readonly checked: number;
  readonly agreed: number;
  readonly disagreements: VerifyDisagreement[];
  /** Set when the translated objects did not compile into a config for the Gateway. */
  readonly error?: string;
  /** Translated objects the compiler did not accept (each names the object and why). */
  readonly problems: string[];
}

interface Probe extends ModelRequest {
  readonly grpc: boolean;
}

/** Decides the derived requests with both and compares. */
export function verifyMigration(m: Migration): VerifyResult {
  const gw = m.context.gateway;
  // routing does not depend on the Services' specs: the ones the input lacks are stood in for
  const compiled = compile([...m.objects, ...standIns(m)], { allGateways: true });
  const problems = notAccepted(compiled.status);
  const config = compiled.configs.find((c) => c.gateway.namespace === gw.namespace && c.gateway.name === gw.name);
  if (!config) {
    const why = compiled.status.find((s) => s.kind === 'Gateway')?.conditions?.find((c) => c.type === 'Accepted')?.message ?? 'no config';
    return { checked: 0, agreed: 0, disagreements: [], problems, error: `Gateway ${gw.namespace}/${gw.name} did not compile: ${why}` };
  }
  const probes = deriveProbes(m.model);
  const disagreements: VerifyDisagreement[] = [];
  let checked = 0;
  const seen = new Set<string>();
  for (const p of probes) {
    const key = describeProbe(p);
    if (seen.has(key)) continue;
    seen.add(key);
    checked++;
    const expected = decide(m.model, p);
    const actual = gatewayOutcome(config, p);
    const diff = compare(expected, actual);
    if (diff) disagreements.push({ request: key, ingress: describeOutcome(expected), gateway: diff });
  }
  // ssl-passthrough: the TLS connection goes to the root backend, unterminated
  for (const s of m.model.servers.filter((x) => x.sslPassthrough)) {
    const root = s.locations.find((l) => l.path === '/' && !l.exact && l.upstream);
    if (!root?.upstream) continue;
    checked++;
    const e = explainConnection(config, { port: 443, transport: 'TCP', serverName: s.hostname });
    const got = e.backends.filter((b) => b.backend).map((b) => b.backend!.id);
    if (e.mode !== 'Passthrough' || got.length !== 1 || got[0] !== root.upstream.id) {
      disagreements.push({
        request: `TLS connection to port 443 with server name ${s.hostname}`,
        ingress: `passed through to ${root.upstream.id} (ssl-passthrough)`,
        gateway: `${e.code}${e.mode ? ` (${e.mode})` : ''}${got.length ? ` to ${got.join(', ')}` : ''}: ${e.notes.join('; ')}`,
      });
    }
  }
  return { checked, agreed: checked - disagreements.length, disagreements, problems };
}

/**
 * What the Gateway of `config` does with every request (and passthrough connection) derived from the migration's
 * Ingresses, in words, without the listener names: two translations that route alike (the YAML objects, and the
 * program `--output ts` writes, whose team grants render more listeners) give equal maps.
 */
export function gatewayDecisions(m: Migration, config: DataPlaneConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of deriveProbes(m.model)) {
    const o = gatewayOutcome(config, p);
    // the route that decided it counts; the listener that found none does not
    out[describeProbe(p)] = describeGateway(o.why.startsWith('listener ') || o.why === 'no listener' ? { ...o, why: '-' } : o);
  }
  for (const s of m.model.servers.filter((x) => x.sslPassthrough)) {
    const e = explainConnection(config, { port: 443, transport: 'TCP', serverName: s.hostname });
    out[`TLS connection to port 443 with server name ${s.hostname}`] = `${e.code} ${e.mode ?? ''} ${e.backends.map((b) => b.backend?.id ?? '-').join(', ')}`;
  }
  return out;
}

/** Services the routes name that the input does not hold (they exist in the cluster). */
function standIns(m: Migration): Array<Record<string, unknown>> {
  const have = new Set(m.objects.filter((o) => o.kind === 'Service').map((o) => `${(o.metadata as any)?.namespace ?? 'default'}/${(o.metadata as any)?.name}`));
  const ports = new Map<string, Set<number>>();
  const add = (ns: string, name: string, port: number) => {
    const k = `${ns}/${name}`;
    if (!have.has(k)) ports.set(k, (ports.get(k) ?? new Set()).add(port));
  };
  for (const r of m.translation.routes) {
    for (const rule of r.rules) {
      for (const b of rule.backendRefs) add(b.namespace ?? r.namespace, b.name, b.port);
      for (const f of rule.filters) {
        const ref = (f.requestMirror as any)?.backendRef ?? (f.externalAuth as any)?.backendRef;
        if (ref) add(ref.namespace ?? r.namespace, ref.name, ref.port);
      }
    }
    for (const b of r.tlsBackends ?? []) add(b.namespace ?? r.namespace, b.name, b.port);
  }
  return [...ports].map(([k, p]) => {
    const [namespace, name] = k.split('/');
    return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { ports: [...p].map((port) => ({ port })) } };
  });
}

/** Conditions that say the compiler refused part of the translation. */
function notAccepted(status: readonly ObjectStatus[]): string[] {
  const out: string[] = [];
  for (const s of status) {
    const where = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    for (const c of s.conditions ?? []) if ((c.type === 'Accepted' || c.type === 'ResolvedRefs' || c.type === 'Programmed') && c.status === 'False') out.push(`${where}: ${c.type} ${c.reason}: ${c.message}`);
    for (const l of s.listeners ?? []) for (const c of l.conditions) if ((c.type === 'Accepted' || c.type === 'ResolvedRefs' || c.type === 'Programmed') && c.status === 'False') out.push(`${where} listener ${l.name}: ${c.type} ${c.reason}: ${c.message}`);
    for (const p of [...(s.parents ?? []), ...(s.ancestors ?? [])]) for (const c of p.conditions) if ((c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status === 'False') out.push(`${where}: ${c.type} ${c.reason}: ${c.message}`);
  }
  return out;
}

/** The requests worth asking about, from every location of every server. */
export function deriveProbes(model: NginxModel): Probe[] {
  const probes: Probe[] = [];
  for (const s of model.servers) {
    const names = hostsOf(s);
    const grpc = s.locations.some((l) => l.config.backendProtocol === 'GRPC' || l.config.backendProtocol === 'GRPCS');
    const paths = pathsOf(s);
    for (const host of names) {
      const schemes: Array<'http' | 'https'> = ['http'];
      const cert = certificateFor(model, host);
      if (cert && cert !== 'default' && !(s.sslPassthrough && host === s.hostname)) schemes.push('https');
      for (const scheme of schemes) {
        paths.forEach((path, i) => {
          probes.push({ scheme, host, method: grpc ? 'POST' : 'GET', path, query: i === 0 ? 'q=1' : '', headers: grpc ? { 'content-type': 'application/grpc' } : {}, grpc });
        });
        // canary deciders, on each location that proxies to a backend with a canary
        for (const l of s.locations) {
          const alt = l.upstream && model.alternatives.get(l.upstream.key);
          if (!alt) continue;
          const path = samplePath(l.path, s.enforceRegex);
          for (const headers of canaryHeaders(alt.policy)) {
            probes.push({ scheme, host, method: grpc ? 'POST' : 'GET', path, query: '', headers: { ...headers, ...(grpc ? { 'content-type': 'application/grpc' } : {}) }, grpc });
          }
        }
      }
    }
  }
  for (const r of model.redirects) {
    for (const path of ['/', '/a', '/a/b/']) probes.push({ scheme: 'http', host: r.from, method: 'GET', path, query: '', headers: {}, grpc: false });
  }
  return probes;
}

function hostsOf(s: Server): string[] {
  if (s.hostname === DEFAULT_SERVER) return ['no-such-host.invalid'];
  return [s.hostname, ...s.aliases].flatMap((h) => (isWildcard(h) ? [`a${h.slice(1)}`, `a.b${h.slice(1)}`] : [h]));
}

/** Paths that match each location and paths just beside them. */
function pathsOf(s: Server): string[] {
  const out = new Set<string>(['/', '/zz-unmatched']);
  for (const l of s.locations) {
    const lit = literalPrefix(l.path);
    const bare = lit.replace(/\/+$/, '');
    for (const p of [lit, bare || '/', `${bare}/`, `${bare}/x`, `${bare}/x/`, `${bare}/x/y`, `${bare}x`, `${bare}-x`]) out.add(p);
    if (s.enforceRegex && /[a-z]/.test(bare)) out.add(bare.toUpperCase());
    if (l.path === '/') out.add('/zz-unmatched/');
    if (s.enforceRegex) out.add(samplePath(l.path, true));
  }
  return [...out].filter((p) => p.startsWith('/') && !p.includes('//'));
}

/** The text of a path up to its first regex metacharacter. */
function literalPrefix(path: string): string {
  const m = /^[^\\^$.|?*+()[\]{}]*/.exec(path);
  return m?.[0] || '/';
}

/** A path a location's regex (or prefix) takes: the literal prefix, filled in for common groups. */
function samplePath(path: string, regex: boolean): string {
  if (!regex) return path === '/' ? '/' : path.endsWith('/') ? `${path}x` : path;
  const filled = path
    .replace(/\(\/\|\$\)/g, '/')
    .replace(/\[[^\]]*\]\{(\d+)\}/g, (_m, n: string) => 'A'.repeat(Number(n)))
    .replace(/\(\.\*\)|\.\*|\(\.\+\)|\.\+/g, 'x')
    .replace(/\/\?/g, '/')
    .replace(/[\\^$|?*+()[\]{}]/g, '');
  return filled.startsWith('/') ? filled : `/${filled}`;
}

function canaryHeaders(p: Parameters<typeof canaryDecision>[0]): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [{}];
  if (p.header) {
    const h = p.header.toLowerCase();
    out.push({ [h]: 'always' }, { [h]: 'never' }, { [h]: 'other' });
    if (p.headerValue) out.push({ [h]: p.headerValue });
    if (p.headerPattern) out.push({ [h]: p.headerPattern.replace(/[\\^$.|?*+()[\]{}]/g, '') });
  }
  if (p.cookie) out.push({ cookie: `${p.cookie}=always` }, { cookie: `${p.cookie}=never` }, { cookie: `a=1; ${p.cookie}=always` });
  if (p.header && p.cookie) out.push({ [p.header.toLowerCase()]: 'never', cookie: `${p.cookie}=always` });
  return out;
}

function describeProbe(p: Probe): string {
  const headers = Object.entries(p.headers).filter(([k]) => k !== 'content-type').map(([k, v]) => ` -H '${k}: ${v}'`).join('');
  return `${p.method} ${p.scheme}://${p.host}${p.path}${p.query ? `?${p.query}` : ''}${p.grpc ? ' (gRPC)' : ''}${headers}`;
}

type GatewayOutcome = { kind: 'proxy'; backends: Array<{ id: string; percent: number }>; path: string; host?: string; setHeaders: Record<string, string>; why: string }
  | { kind: 'redirect'; status: number; location: string; why: string }
  | { kind: 'status'; status: number; why: string };

/** The Gateway's decision, read from explain's answer. */
function gatewayOutcome(config: DataPlaneConfig, p: Probe): GatewayOutcome {
  const e: Explanation = explainRequest(config, { method: p.method, url: `${p.scheme}://${p.host}${p.path}${p.query ? `?${p.query}` : ''}`, headers: p.headers });
  const where = e.route ? `${e.route.kind} ${e.route.namespace}/${e.route.name} rules[${e.ruleIndex}]` : e.listener ? `listener ${e.listener.name}` : 'no listener';
  if (e.code === 'GW_REDIRECT' && e.redirect) return { kind: 'redirect', status: e.redirect.statusCode, location: e.redirect.location, why: where };
  if (e.code !== 'GW_ROUTED') return { kind: 'status', status: e.status ?? 500, why: `${where}: ${e.code}${e.notes.length ? ` (${e.notes[0]})` : ''}` };
  let path = `${e.request.path}${e.request.query ? `?${e.request.query}` : ''}`;
  let host: string | undefined;
  const setHeaders: Record<string, string> = {};
  const apply = (f: HttpFilterConfig) => {
    if (f.type === 'URLRewrite') {
      if (f.hostname) host = f.hostname;
      if (f.path) path = `${rewritePath(f.path, e.request.path, e.match!.path)}${e.request.query ? `?${e.request.query}` : ''}`;
    } else if (f.type === 'RequestHeaderModifier') {
      for (const s of f.set) setHeaders[s.name.toLowerCase()] = s.value;
    }
  };
  e.filters.forEach(apply);
  const backends = e.backends.filter((b) => b.backend && b.weight > 0).map((b) => ({ id: b.backend!.id, percent: b.percent }));
  return { kind: 'proxy', backends, path, host, setHeaders, why: where };
}

/** undefined when both sides agree; else what the Gateway does, said so that the difference shows. */
function compare(expected: ModelOutcome, actual: GatewayOutcome): string | undefined {
  const said = describeGateway(actual);
  if (expected.kind !== actual.kind) return said;
  if (expected.kind === 'status' && actual.kind === 'status') return expected.status === actual.status ? undefined : said;
  if (expected.kind === 'redirect' && actual.kind === 'redirect') {
    return expected.status === actual.status && normalizeUrl(expected.location) === normalizeUrl(actual.location) ? undefined : said;
  }
  if (expected.kind === 'proxy' && actual.kind === 'proxy') {
    const total = expected.backends.reduce((s, b) => s + b.weight, 0);
    const want = expected.backends.map((b) => `${b.id}=${Math.round((b.weight / total) * 10000) / 100}`).sort().join(',');
    const got = actual.backends.map((b) => `${b.id}=${b.percent}`).sort().join(',');
    if (want !== got) return said;
    if (expected.path !== actual.path) return said;
    if ((expected.host ?? '') !== (actual.host ?? '')) return said;
    for (const [k, v] of Object.entries(expected.setHeaders)) if (actual.setHeaders[k] !== v) return said;
    return undefined;
  }
  return said;
}

function normalizeUrl(u: string): string {
  try {
    return new URL(u).href;
  } catch {
    return u;
  }
}

export function describeOutcome(o: ModelOutcome): string {
  switch (o.kind) {
    case 'proxy':
      return `to ${o.backends.map((b) => `${b.id}${o.backends.length > 1 ? ` (weight ${b.weight})` : ''}`).join(', ')} as ${o.path}` +
        `${o.host ? ` Host ${o.host}` : ''}${Object.keys(o.setHeaders).length ? ` with ${Object.entries(o.setHeaders).map(([k, v]) => `${k}: ${v}`).join(', ')}` : ''} (${o.why})`;
    case 'redirect':
      return `${o.status} to ${o.location} (${o.why})`;
    default:
      return `${o.status} (${o.why})`;
  }
}

function describeGateway(o: GatewayOutcome): string {
  switch (o.kind) {
    case 'proxy':
      return `to ${o.backends.map((b) => `${b.id}${o.backends.length > 1 ? ` (${b.percent}%)` : ''}`).join(', ')} as ${o.path}` +
        `${o.host ? ` Host ${o.host}` : ''}${Object.keys(o.setHeaders).length ? ` with ${Object.entries(o.setHeaders).map(([k, v]) => `${k}: ${v}`).join(', ')}` : ''} (${o.why})`;
    case 'redirect':
      return `${o.status} to ${o.location} (${o.why})`;
    default:
      return `${o.status} (${o.why})`;
  }
}

/** The result as lines (what `migrate --verify` prints). */
export function formatVerify(r: VerifyResult): string {
  const lines = r.problems.map((p) => `verify: not accepted: ${p}`);
  if (r.error) return [...lines, `verify: ${r.error}`].join('\n');
  lines.push(`verify: ${r.checked} requests decided by the ingress-nginx model and by the Gateway: ${r.agreed} agree, ${r.disagreements.length} differ`);
  for (const d of r.disagreements) {
    lines.push(`  ${d.request}`);
    lines.push(`    ingress-nginx: ${d.ingress}`);
    lines.push(`    Gateway:       ${d.gateway}`);
  }
  return lines.join('\n');
}
