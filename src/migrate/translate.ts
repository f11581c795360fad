/**
 * The model's servers → Gateway API objects: one Gateway with the listeners the hosts need, the routes of
 * each host (HTTPRoute; GRPCRoute for gRPC hosts whose Service port cannot carry an appProtocol; TLSRoute for
 * ssl-passthrough), BackendTLSPolicies, ReferenceGrants, and the input's Services (with the appProtocol a
 * backend-protocol asks for).
 *
 * Listeners: port 80 `http` serves every host; a host gets its own HTTP listener only when another host's
 * routes could take its requests (a catch-all Ingress, or a wildcard host covering it), because a Gateway
 * falls back to less specific hostnames where nginx stays in the host's server. Port 443 has one HTTPS
 * listener per host with a certificate (same Secret), one TLS passthrough listener per ssl-passthrough host.
 */
import { Context } from './context';
import { BackendRefJson, FilterJson, ListenerDraft, RouteDraft, RuleDraft, sameJson } from './drafts';
import { ObjectKey } from './input';
import { certificateFor, DEFAULT_SERVER, Server } from './nginx-model';
import { featureOf, serverRules } from './rules';
import { GATEWAY_API_GROUP, GATEWAY_API_VERSION, NAMESPACE_NAME_LABEL } from '../spec/gateway-api';
import { hostnameMatches, isWildcard } from '../spec/hostname';
import { MAX_ITEMS } from '../spec/limits';
import { CONTROLLER_NAME, NODE_DATA_PLANE_CLASS_NAME } from '../spec/project';


export interface Translation {
  readonly gatewayClass?: Record<string, unknown>;
  readonly gateway: Record<string, unknown>;
  readonly listeners: ListenerDraft[];
  readonly routes: RouteDraft[];
  readonly backendTlsPolicies: Array<Record<string, unknown>>;
  readonly referenceGrants: Array<Record<string, unknown>>;
  readonly services: Array<Record<string, unknown>>;
  /** Gateway spec.tls (frontend client certificate validation, backend client certificate). */
  readonly gatewayTls?: Record<string, unknown>;
  /** Namespaces that own routes, for the TypeScript output's team grants. */
  readonly teams: TeamDraft[];
  /** True when some object needs the Gateway API experimental channel CRDs. */
  readonly experimental: boolean;
}

export interface TeamDraft {
  readonly namespace: string;
  readonly hostnames: string[];
  readonly listeners: string[];
  /** Services in other namespaces its routes send to. */
  readonly backendGrants: Array<{ namespace: string; serviceNames: string[] }>;
}

/** A listener name for a host: `http-shop.example.com`, `https-wildcard.example.com`. */
function listenerName(prefix: string, host: string): string {
  return `${prefix}-${host.replace(/^\*\./, 'wildcard.')}`;
}

/** A route name for a host: `shop.example.com`, `wildcard.example.com`, `default-server`. */
function routeBase(host: string): string {
  return host === DEFAULT_SERVER ? 'default-server' : host.replace(/^\*\./, 'wildcard.');
}

export function translate(ctx: Context): Translation {
  const model = ctx.model;
  interface Plan {
    server: Server; names: string[]; http: RuleDraft[]; https: RuleDraft[]; httpsNames: string[]; passthrough?: RouteDraft; namespace: string;
  }
  const plans: Plan[] = [];
  for (const s of model.servers) {
    const names = s.hostname === DEFAULT_SERVER ? [] : [s.hostname, ...s.aliases];
    const namespace = s.hostname === DEFAULT_SERVER
      ? (s.locations.find((l) => l.source)?.source?.ingress ?? s.locations[0].config.ingress ?? `${s.owner.namespace}/`).split('/')[0] || s.owner.namespace
      : s.owner.namespace;
    let passthrough: RouteDraft | undefined;
    if (s.sslPassthrough) {
      const owner = `${s.owner.namespace}/${s.owner.name}`;
      const root = s.locations.find((l) => l.path === '/' && !l.exact && l.upstream);
      if (!root?.upstream) {
        ctx.mark(owner, 'ssl-passthrough', 'ignored', `${s.hostname} has no backend for "/", so ingress-nginx ignores ssl-passthrough`);
      } else {
        passthrough = {
          kind: 'TLSRoute',
          namespace,
          name: routeBase(s.hostname),
          hostnames: [s.hostname],
          listeners: [listenerName('tls', s.hostname)],
          rules: [],
          tlsBackends: [{ name: root.upstream.service, namespace: root.upstream.namespace, port: root.upstream.port }],
          server: s.hostname,
        };
        ctx.finding(owner, 'ssl-passthrough')?.became.push(`TLSRoute ${namespace}/${passthrough.name}: TLS connections for ${s.hostname} go to ${root.upstream.id} unterminated (listener ${passthrough.listeners[0]})`);
        const others = ctx.annotations.get(owner)?.findings.filter((f) => f.annotation.startsWith('nginx.ingress.kubernetes.io/') && !f.annotation.endsWith('/ssl-passthrough')) ?? [];
        if (others.length) ctx.fate(owner, 'ssl-passthrough', 'translated', `port 443 traffic of ${s.hostname} bypasses HTTP routing, so the other annotations apply on port 80 only (as in ingress-nginx)`);
      }
    }
    const httpsNames = names.filter((n) => certificateFor(model, n) !== undefined && !(passthrough && n === s.hostname));
    for (const n of names) {
      if (certificateFor(model, n) === 'default' && !(passthrough && n === s.hostname)) {
        ctx.fate(s.tlsSecret?.ingress ?? `${s.owner.namespace}/${s.owner.name}`, `spec.tls (${n})`, 'untranslatable',
          `${s.tlsDefault ?? `no Secret for ${n}`}: ingress-nginx serves its default self-signed certificate; an HTTPS listener needs a Secret, so ${n} gets no HTTPS listener`);
      }
    }
    if (s.aliasesFrom && s.aliases.length) {
      ctx.finding(s.aliasesFrom, 'server-alias')?.became.push(`${s.aliases.join(', ')} are hostnames of the routes of ${s.hostname} (and get its listeners)`);
    }
    const usable = httpsNames.filter((n) => certificateFor(model, n) !== 'default');
    plans.push({ server: s, names, http: serverRules(ctx, s, 'http'), https: usable.length ? serverRules(ctx, s, 'https') : [], httpsNames: usable, passthrough, namespace });
  }
  // from-to-www-redirect servers
  for (const r of model.redirects) {
    const owner = r.server.locations.find((l) => l.config.fromToWww)?.config.ingress ?? `${r.server.owner.namespace}/${r.server.owner.name}`;
    const rule: RuleDraft = {
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: r.to, statusCode: 308 } }],
      backendRefs: [],
      trace: [{ ingress: owner, what: 'from-to-www-redirect', text: `${r.from} redirects (308) to ${r.to}` }],
      comment: `from-to-www-redirect: ${r.from} to ${r.to}`,
      location: -1,
    };
    ctx.mark(owner, 'from-to-www-redirect', 'approximated', 'ingress-nginx drops a trailing slash from the redirected path (https://www.a/b/ goes to https://a/b); the Gateway keeps it');
    const cert = certificateFor(model, r.from);
    const fake = { ...r.server, hostname: r.from, aliases: [] } as Server;
    plans.push({ server: fake, names: [r.from], http: [rule], https: cert && cert !== 'default' ? [rule] : [], httpsNames: cert && cert !== 'default' ? [r.from] : [], namespace: r.server.owner.namespace });
  }

  // --- listeners ----------------------------------------------------------------------------------------------
  const catchAll = plans.some((p) => p.server.hostname === DEFAULT_SERVER && p.http.length > 0);
  const wildcards = plans.filter((p) => p.http.length > 0).flatMap((p) => p.names.filter(isWildcard));
  const isolated = (n: string) => catchAll || wildcards.some((w) => w !== n && hostnameMatches(w, n));
  const listeners: ListenerDraft[] = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  const gatewaySecrets: ObjectKey[] = [];
  const addListener = (l: ListenerDraft) => {
    if (!listeners.some((x) => x.name === l.name)) listeners.push(l);
  };
  for (const p of plans) {
    for (const n of p.names) if (isolated(n)) addListener({ name: listenerName('http', n), port: 80, protocol: 'HTTP', hostname: n });
    for (const n of p.httpsNames) {
      const cert = certificateFor(model, n) as ObjectKey;
      gatewaySecrets.push(cert);
      addListener({
        name: listenerName('https', n),
        port: 443,
        protocol: 'HTTPS',
        hostname: n,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: cert.name, ...(cert.namespace !== ctx.gateway.namespace ? { namespace: cert.namespace } : {}) }] },
      });
      const s = p.server.tlsSecret;
      if (s) ctx.fate(s.ingress, `spec.tls (${n})`, 'translated', `listener ${listenerName('https', n)} (port 443, certificate from Secret ${cert.namespace}/${cert.name})`);
    }
    if (p.passthrough) addListener({ name: p.passthrough.listeners[0], port: 443, protocol: 'TLS', hostname: p.server.hostname, tls: { mode: 'Passthrough' } });
  }
  const httpListenerOf = (n: string | undefined) => (n !== undefined && isolated(n) ? listenerName('http', n) : 'http');

  // --- routes ---------------------------------------------------------------------------------------------------
  const routes: RouteDraft[] = [];
  const strip = (rules: RuleDraft[]) => rules.map((r) => [r.matches, r.filters, r.backendRefs, r.timeouts, r.retry, r.sessionPersistence]);
  for (const p of plans) {
    const base = routeBase(p.server.hostname);
    const httpListeners = [...new Set(p.names.length ? p.names.map(httpListenerOf) : ['http'])];
    const httpsListeners = p.httpsNames.map((n) => listenerName('https', n));
    if (p.https.length && sameJson(strip(p.http), strip(p.https))) {
      routes.push(...chunk({ kind: 'HTTPRoute', namespace: p.namespace, name: base, hostnames: p.names, listeners: [...httpListeners, ...httpsListeners], rules: p.http, server: p.server.hostname }));
    } else {
      if (p.http.length) routes.push(...chunk({ kind: 'HTTPRoute', namespace: p.namespace, name: p.https.length ? `${base}-http` : base, hostnames: p.names, listeners: httpListeners, rules: p.http, server: p.server.hostname }));
      if (p.https.length) routes.push(...chunk({ kind: 'HTTPRoute', namespace: p.namespace, name: base, hostnames: p.httpsNames, listeners: httpsListeners, rules: p.https, server: p.server.hostname }));
    }
    if (p.passthrough) routes.push(p.passthrough);
  }
  if (listeners.length > MAX_ITEMS.listeners) {
    ctx.fate('', 'listeners', 'untranslatable', `the hosts need ${listeners.length} listeners; a Gateway has at most ${MAX_ITEMS.listeners}: split the Ingresses over several Gateways (--ingress-class) or use ListenerSets`);
  }

  // --- backend protocols: appProtocol, GRPCRoute, BackendTLSPolicy -------------------------------------------
  const services = ctx.services.map((s) => structuredClone(s.raw) as Record<string, any>);
  const serviceObj = (ns: string, name: string) => services.find((s) => (s.metadata?.namespace || 'default') === ns && s.metadata?.name === name);
  const policies: Array<Record<string, unknown>> = [];
  const missingH2c = new Set<string>();
  for (const bp of [...ctx.protocols.values()].sort((a, b) => (a.upstream.id < b.upstream.id ? -1 : 1))) {
    const u = bp.upstream;
    const proto = bp.protocol;
    if (proto === 'HTTP') continue;
    if (proto === 'AUTO_HTTP' || proto === 'AJP' || proto === 'FCGI' || !['HTTPS', 'GRPC', 'GRPCS', 'H2C'].includes(proto)) {
      ctx.mark(bp.ingress, 'backend-protocol', 'untranslatable', `${proto} has no Gateway API equivalent (HTTP, HTTPS, GRPC, GRPCS and H2C translate)`);
      continue;
    }
    if (proto === 'GRPC' || proto === 'GRPCS' || proto === 'H2C') {
      const svc = serviceObj(u.namespace, u.service);
      const port = (svc?.spec?.ports ?? []).find((x: any) => Number(x.port) === u.port);
      if (!port) {
        missingH2c.add(u.id);
      } else if (port.appProtocol && port.appProtocol !== 'kubernetes.io/h2c') {
        ctx.mark(bp.ingress, 'backend-protocol', 'untranslatable', `Service ${u.namespace}/${u.service} port ${u.port} already has appProtocol ${port.appProtocol}; ${proto} needs kubernetes.io/h2c`);
      } else {
        port.appProtocol = 'kubernetes.io/h2c';
        ctx.finding(bp.ingress, 'backend-protocol')?.became.push(`Service ${u.namespace}/${u.service} port ${u.port}: appProtocol kubernetes.io/h2c (HTTP/2 without TLS${proto === 'GRPCS' ? ', then TLS by the BackendTLSPolicy' : ''})`);
      }
      if (proto === 'H2C') {
        ctx.mark(bp.ingress, 'backend-protocol', 'approximated', 'ingress-nginx does not know H2C (it logs a warning and speaks HTTP/1.1); translated as HTTP/2 cleartext, which is what the value asks for');
      }
    }
    if (proto === 'HTTPS' || proto === 'GRPCS') policies.push(...backendTlsPolicy(ctx, bp, policies));
  }
  if (missingH2c.size) convertGrpc(ctx, routes, missingH2c);

  // --- Gateway TLS: frontend client certificates, backend client certificate ----------------------------------
  const gatewayTls = gatewayTlsOf(ctx, plans.filter((p) => p.httpsNames.length > 0).map((p) => p.server), gatewaySecrets);

  // --- namespaces: strip same-namespace refs, ReferenceGrants for the others ---------------------------------
  const routeGrants = new Map<string, { ns: string; kinds: Set<string>; from: string; names: Set<string> }>();
  const needGrant = (route: RouteDraft, ref: BackendRefJson): BackendRefJson => {
    if (!ref.namespace || ref.namespace === route.namespace) {
      const { namespace: _drop, ...rest } = ref;
      return rest;
    }
    const key = `${ref.namespace}|${route.namespace}`;
    const g = routeGrants.get(key) ?? { ns: ref.namespace, from: route.namespace, kinds: new Set<string>(), names: new Set<string>() };
    g.kinds.add(route.kind);
    g.names.add(ref.name);
    routeGrants.set(key, g);
    return ref;
  };
  const finalRoutes = routes.map((route) => ({
    ...route,
    rules: route.rules.map((r) => ({
      ...r,
      backendRefs: r.backendRefs.map((b) => needGrant(route, b)),
      filters: r.filters.map((f) => mapFilterRef(f, (b) => needGrant(route, b))),
    })),
    tlsBackends: route.tlsBackends?.map((b) => needGrant(route, b)),
  }));
  const referenceGrants: Array<Record<string, unknown>> = [];
  for (const g of [...routeGrants.values()].sort((a, b) => (a.ns + a.from < b.ns + b.from ? -1 : 1))) {
    referenceGrants.push({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'ReferenceGrant',
      metadata: { name: `routes-from-${g.from}`, namespace: g.ns },
      spec: { from: [...g.kinds].sort().map((kind) => ({ group: GATEWAY_API_GROUP, kind, namespace: g.from })), to: [...g.names].sort().map((name) => ({ group: '', kind: 'Service', name })) },
    });
  }
  const foreign = [...new Set(gatewaySecrets.filter((x) => x.namespace !== ctx.gateway.namespace).map((x) => `${x.namespace}/${x.name}`))].sort();
  if (foreign.length && !ctx.options.gatewayClass) {
    ctx.fate('', 'Secrets of the Gateway', 'untranslatable', 'this project\'s data plane mounts the Secrets a Gateway names from the Gateway\'s namespace ' +
      `(${ctx.gateway.namespace}); copy ${foreign.join(', ')} there and point the Gateway at the copies (its synth fails until then), ` +
      'or choose a --gateway namespace that holds them');
  }
  const secretGrants = new Map<string, Set<string>>();
  for (const s of gatewaySecrets) {
    if (s.namespace === ctx.gateway.namespace) continue;
    secretGrants.set(s.namespace, (secretGrants.get(s.namespace) ?? new Set()).add(s.name));
  }
  for (const [ns, names] of [...secretGrants].sort(([a], [b]) => (a < b ? -1 : 1))) {
    referenceGrants.push({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'ReferenceGrant',
      metadata: { name: `gateway-${ctx.gateway.namespace}-${ctx.gateway.name}`, namespace: ns },
      spec: { from: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: ctx.gateway.namespace }], to: [...names].sort().map((name) => ({ group: '', kind: 'Secret', name })) },
    });
  }

  // --- the Gateway -------------------------------------------------------------------------------------------
  const attached = new Map<string, Set<string>>();
  for (const r of finalRoutes) for (const l of r.listeners) attached.set(l, (attached.get(l) ?? new Set()).add(r.namespace));
  const gatewayClassName = ctx.options.gatewayClass ?? NODE_DATA_PLANE_CLASS_NAME;
  const gateway = {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: { name: ctx.gateway.name, namespace: ctx.gateway.namespace },
    spec: {
      gatewayClassName,
      listeners: listeners.map((l) => ({ ...l, allowedRoutes: allowedRoutes([...(attached.get(l.name) ?? [])].sort(), ctx.gateway.namespace) })),
      ...(gatewayTls ? { tls: gatewayTls } : {}),
    },
  };
  const gatewayClass = ctx.options.gatewayClass ? undefined : {
    apiVersion: GATEWAY_API_VERSION, kind: 'GatewayClass', metadata: { name: NODE_DATA_PLANE_CLASS_NAME }, spec: { controllerName: CONTROLLER_NAME },
  };

  // --- the report: where each traced feature and annotation landed ------------------------------------------
  for (const route of finalRoutes) {
    route.rules.forEach((r, i) => {
      for (const t of r.trace) {
        const where = `${route.kind} ${route.namespace}/${route.name} rules[${i}]`;
        const f = ctx.finding(t.ingress, t.what);
        if (f) {
          const text = `${where}${t.text ? `: ${t.text}` : ''}`;
          if (!f.became.includes(text)) f.became.push(text);
        } else if (t.what.startsWith('spec.')) {
          ctx.fate(t.ingress, t.what, 'translated', `${where}${t.text ? `: ${t.text}` : ''}`);
        }
      }
    });
  }

  const experimental = finalRoutes.some((r) => r.rules.some((x) => x.retry || x.sessionPersistence || x.filters.some((f) => f.type === 'ExternalAuth')));
  return {
    gatewayClass,
    gateway,
    listeners,
    routes: finalRoutes,
    backendTlsPolicies: policies,
    referenceGrants,
    services,
    gatewayTls,
    teams: teamsOf(finalRoutes),
    experimental,
  };
}

function allowedRoutes(namespaces: string[], gatewayNamespace: string): Record<string, unknown> {
  if (namespaces.length === 0 || (namespaces.length === 1 && namespaces[0] === gatewayNamespace)) return { namespaces: { from: 'Same' } };
  return { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: namespaces }] } } };
}

/** Splits a route's rules over as many routes as the CRD limits need (16 rules, 128 matches), names in order. */
function chunk(route: RouteDraft): RouteDraft[] {
  const groups: RuleDraft[][] = [[]];
  let matches = 0;
  for (const r of route.rules) {
    const g = groups[groups.length - 1];
    if (g.length === MAX_ITEMS.rules || matches + r.matches.length > MAX_ITEMS.routeMatches) {
      groups.push([r]);
      matches = r.matches.length;
    } else {
      g.push(r);
      matches += r.matches.length;
    }
  }
  if (groups.length === 1) return [route];
  const width = String(groups.length).length;
  // names sort in rule order, so equal-precedence matches keep nginx's order across the routes
  return groups.map((rules, i) => ({ ...route, name: i === 0 ? route.name : `${route.name}-${String(i + 1).padStart(width, '0')}`, rules }));
}

/** Applies `f` to the Service refs inside a filter (RequestMirror, ExternalAuth). */
function mapFilterRef(filter: FilterJson, f: (b: BackendRefJson) => BackendRefJson): FilterJson {
  if (filter.type === 'RequestMirror') {
    const m = filter.requestMirror as { backendRef: BackendRefJson };
    return { ...filter, requestMirror: { ...m, backendRef: f(m.backendRef) } };
  }
  if (filter.type === 'ExternalAuth') {
    const a = filter.externalAuth as { backendRef: BackendRefJson };
    return { ...filter, externalAuth: { ...a, backendRef: f(a.backendRef) } };
  }
  return filter;
}

/** A BackendTLSPolicy for a Service spoken to over TLS (backend-protocol HTTPS or GRPCS). */
function backendTlsPolicy(ctx: Context, bp: ReturnType<Context['protocols']['get']> & object, existing: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const u = bp.upstream;
  const name = `${u.service}-backend-tls`;
  if (existing.some((p) => (p.metadata as ObjectKey).namespace === u.namespace && (p.metadata as ObjectKey).name === name)) return [];
  const ssl = bp.proxySsl;
  const hostname = ssl?.name ?? `${u.service}.${u.namespace}.svc`;
  let validation: Record<string, unknown> = { hostname, wellKnownCACertificates: 'System' };
  const reasons: string[] = [];
  if (ssl?.secret) {
    if (ssl.secret.namespace !== u.namespace) {
      ctx.mark(bp.ingress, 'proxy-ssl-secret', 'untranslatable', `a BackendTLSPolicy takes CA certificates from its own namespace (${u.namespace}), not ${ssl.secret.namespace}: copy ca.crt there`);
    } else {
      validation = { hostname, caCertificateRefs: [{ group: '', kind: 'Secret', name: ssl.secret.name }] };
      ctx.finding(bp.ingress, 'proxy-ssl-secret')?.became.push(`BackendTLSPolicy ${u.namespace}/${name}: trusts ca.crt of Secret ${ssl.secret.namespace}/${ssl.secret.name}`);
    }
  }
  if (!ssl?.verify) {
    reasons.push(`the Gateway verifies ${u.id}'s certificate (for ${hostname}, against ${ssl?.secret ? 'the Secret\'s ca.crt' : 'the system CAs'}); ingress-nginx did not (proxy-ssl-verify is off by default)`);
  } else if (ctx.finding(bp.ingress, 'proxy-ssl-verify')) {
    ctx.finding(bp.ingress, 'proxy-ssl-verify')!.became.push(`BackendTLSPolicy ${u.namespace}/${name}: verification is always on`);
  }
  if (!ssl?.name) reasons.push(`nginx sent no SNI by default; the policy's hostname ${hostname} is sent and verified`);
  else ctx.finding(bp.ingress, 'proxy-ssl-name')?.became.push(`BackendTLSPolicy ${u.namespace}/${name}: hostname ${ssl.name} (SNI and verification)`);
  if (reasons.length) ctx.mark(bp.ingress, 'backend-protocol', 'approximated', reasons.join('; '));
  ctx.finding(bp.ingress, 'backend-protocol')?.became.push(`BackendTLSPolicy ${u.namespace}/${name}: TLS to ${u.service}${u.portName ? ` port ${u.portName}` : ''}`);
  if (!u.portName) {
    const svc = ctx.service(u.namespace, u.service);
    if (svc && svc.ports.length > 1) ctx.mark(bp.ingress, 'backend-protocol', 'approximated', `port ${u.port} of Service ${u.namespace}/${u.service} has no name, so the policy covers every port of the Service`);
  }
  return [{
    apiVersion: GATEWAY_API_VERSION,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: u.namespace },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: u.service, ...(u.portName ? { sectionName: u.portName } : {}) }], validation },
  }];
}

/** frontend (auth-tls-*) and backend (proxy-ssl-secret) client certificates: one setting per Gateway. */
function gatewayTlsOf(ctx: Context, httpsServers: Server[], gatewaySecrets: ObjectKey[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const withAuth = httpsServers.filter((s) => s.authTls && s.authTls.verifyClient !== 'off');
  if (withAuth.length) {
    const first = withAuth[0].authTls!;
    const same = (s: Server) => s.authTls && s.authTls.verifyClient === first.verifyClient &&
      s.authTls.secret.namespace === first.secret.namespace && s.authTls.secret.name === first.secret.name;
    const all = httpsServers.every(same);
    const mode = first.verifyClient === 'on' ? 'AllowValidOnly' : first.verifyClient === 'optional' ? 'AllowInsecureFallback' : undefined;
    if (!all || !mode) {
      const others = httpsServers.filter((s) => !same(s)).map((s) => s.hostname);
      const why = !mode
        ? `auth-tls-verify-client "${first.verifyClient}" has no Gateway API equivalent (on and optional translate)`
        : `the Gateway API validates client certificates per port (443 here), ingress-nginx per host: ${others.join(', ')} ${others.length === 1 ? 'does' : 'do'} not share ${first.secret.namespace}/${first.secret.name} and "${first.verifyClient}", so nothing is enforced; split those hosts onto another Gateway`;
      for (const s of withAuth) {
        ctx.mark(s.authTls!.ingress, 'auth-tls-secret', 'untranslatable', why);
        ctx.mark(s.authTls!.ingress, 'auth-tls-verify-client', 'untranslatable', 'see auth-tls-secret');
      }
    } else {
      out.frontend = { default: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: first.secret.name, ...(first.secret.namespace !== ctx.gateway.namespace ? { namespace: first.secret.namespace } : {}) }], mode } } };
      gatewaySecrets.push(first.secret);
      for (const s of withAuth) {
        ctx.finding(s.authTls!.ingress, 'auth-tls-secret')?.became.push(`Gateway ${ctx.gateway.namespace}/${ctx.gateway.name} spec.tls.frontend.default: CA from Secret ${first.secret.namespace}/${first.secret.name} (ca.crt)`);
        ctx.finding(s.authTls!.ingress, 'auth-tls-verify-client')?.became.push(`spec.tls.frontend.default.validation.mode ${mode}`);
        if (mode === 'AllowInsecureFallback') {
          ctx.mark(s.authTls!.ingress, 'auth-tls-verify-client', 'approximated', 'AllowInsecureFallback lets clients without a valid certificate through; nginx\'s "optional" still refuses a certificate from another CA (400)');
        }
      }
    }
  }
  // proxy-ssl-secret's tls.crt/tls.key: the Gateway's client certificate towards every TLS backend
  const clientCerts = [...ctx.protocols.values()].filter((p) => (p.protocol === 'HTTPS' || p.protocol === 'GRPCS') && p.proxySsl?.secret);
  if (clientCerts.length) {
    const c = clientCerts[0].proxySsl!.secret!;
    out.backend = { clientCertificateRef: { group: '', kind: 'Secret', name: c.name, ...(c.namespace !== ctx.gateway.namespace ? { namespace: c.namespace } : {}) } };
    gatewaySecrets.push(c);
    for (const p of clientCerts) {
      const s = p.proxySsl!.secret!;
      if (s.namespace !== c.namespace || s.name !== c.name) {
        ctx.mark(p.ingress, 'proxy-ssl-secret', 'untranslatable', `the Gateway presents one client certificate to every TLS backend (${c.namespace}/${c.name}); ${s.namespace}/${s.name} is not used`);
      } else {
        ctx.finding(p.ingress, 'proxy-ssl-secret')?.became.push(`Gateway spec.tls.backend.clientCertificateRef: Secret ${c.namespace}/${c.name} (its tls.crt and tls.key)`);
      }
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * gRPC backends whose Service is not among the input cannot get appProtocol kubernetes.io/h2c; a GRPCRoute
 * speaks HTTP/2 to its backends by default, so a host whose rules all go to such backends with gRPC-shaped
 * paths (`/`, `/<service>`, `/<service>/<method>`) becomes a GRPCRoute. Anything else is reported.
 */
function convertGrpc(ctx: Context, routes: RouteDraft[], ids: Set<string>): void {
  const idOf = (ns: string, b: BackendRefJson) => `${b.namespace ?? ns}/${b.name}:${b.port}`;
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i];
    if (route.kind !== 'HTTPRoute') continue;
    const uses = route.rules.some((r) => r.backendRefs.some((b) => ids.has(idOf(route.namespace, b))));
    if (!uses) continue;
    const grpcMatches = route.rules.map((r) => r.matches.map((m) => grpcMatchOf(m)));
    const convertible = route.rules.every((r, ri) => r.backendRefs.length > 0 && r.backendRefs.every((b) => ids.has(idOf(route.namespace, b))) &&
      grpcMatches[ri].every((m) => m !== undefined) && !r.timeouts && !r.retry && r.filters.every((f) => f.type === 'RequestHeaderModifier' || f.type === 'RequestMirror'));
    if (convertible) {
      routes[i] = { ...route, kind: 'GRPCRoute', grpcMatches: grpcMatches as NonNullable<RouteDraft['grpcMatches']> };
      for (const r of route.rules) for (const t of r.trace) if (t.what === 'backend-protocol') ctx.finding(t.ingress, t.what)?.became.push(`GRPCRoute ${route.namespace}/${route.name} (HTTP/2 to the backend by default)`);
      continue;
    }
    for (const r of route.rules) {
      for (const b of r.backendRefs) {
        if (!ids.has(idOf(route.namespace, b))) continue;
        for (const t of r.trace.filter((x) => x.what === 'backend-protocol')) {
          ctx.mark(t.ingress, 'backend-protocol', 'untranslatable', `Service ${idOf(route.namespace, b)} is not among the input, so its port cannot get appProtocol: kubernetes.io/h2c, ` +
            'and the host is not a plain gRPC host a GRPCRoute could carry: add the Service to --manifests or set the appProtocol yourself');
        }
      }
    }
  }
}

function grpcMatchOf(m: RuleDraft['matches'][number]): { method?: { service?: string; method?: string }; headers?: RuleDraft['matches'][number]['headers'] } | undefined {
  const p = m.path;
  const headers = m.headers ? { headers: m.headers } : {};
  if (p.type === 'PathPrefix' && p.value === '/') return { ...headers };
  if (p.type === 'PathPrefix' && /^\/[A-Za-z_][A-Za-z0-9_.]*$/.test(p.value)) return { method: { service: p.value.slice(1) }, ...headers };
  if (p.type === 'Exact' && /^\/[A-Za-z_][A-Za-z0-9_.]*\/[A-Za-z_][A-Za-z0-9_]*$/.test(p.value)) {
    const [, service, method] = p.value.split('/');
    return { method: { service, method }, ...headers };
  }
  return undefined;
}

function teamsOf(routes: RouteDraft[]): TeamDraft[] {
  const byNs = new Map<string, { hostnames: Set<string>; listeners: Set<string>; grants: Map<string, Set<string>> }>();
  for (const r of routes) {
    const t = byNs.get(r.namespace) ?? { hostnames: new Set<string>(), listeners: new Set<string>(), grants: new Map<string, Set<string>>() };
    r.hostnames.forEach((h) => t.hostnames.add(h));
    r.listeners.forEach((l) => t.listeners.add(l));
    const refs = [...r.rules.flatMap((x) => [...x.backendRefs, ...x.filters.flatMap(filterRefs)]), ...(r.tlsBackends ?? [])];
    for (const b of refs) {
      if (b.namespace && b.namespace !== r.namespace) t.grants.set(b.namespace, (t.grants.get(b.namespace) ?? new Set()).add(b.name));
    }
    byNs.set(r.namespace, t);
  }
  // a namespace with a route for any host (the default server) is granted every hostname
  const anyHost = new Set(routes.filter((r) => r.hostnames.length === 0).map((r) => r.namespace));
  return [...byNs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, t]) => ({
    namespace,
    hostnames: anyHost.has(namespace) ? [] : [...t.hostnames].sort(),
    listeners: [...t.listeners].sort(),
    backendGrants: [...t.grants].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, names]) => ({ namespace: ns, serviceNames: [...names].sort() })),
  }));
}

function filterRefs(f: FilterJson): BackendRefJson[] {
  if (f.type === 'RequestMirror') return [(f.requestMirror as { backendRef: BackendRefJson }).backendRef];
  if (f.type === 'ExternalAuth') return [(f.externalAuth as { backendRef: BackendRefJson }).backendRef];
  return [];
}

/** The features of a location for the report (re-exported for the report module). */
export { featureOf };
