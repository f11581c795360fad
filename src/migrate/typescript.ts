/**
 * `migrate --output ts`: the translation as a cdk8s program using this library. A platform chart holds the
 * GatewayClass and the Gateway (with the listeners the Ingresses need); every namespace that owned Ingresses
 * becomes a team, granted the hostnames and listeners its routes use, and writes its routes through its
 * factory. It synthesizes to the same routing as `--output yaml` (the test compiles both and compares).
 */
import { BackendRefJson, FilterJson, MatchJson, RouteDraft, RuleDraft } from './drafts';
import { Migration } from './migrate';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';

export interface TypescriptOptions {
  /** The module the program imports the library from. @default 'cdk8s-gateway' */
  readonly library?: string;
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const list = (xs: readonly string[]) => `[${xs.map(q).join(', ')}]`;

/** A TypeScript identifier from a namespace name: `shop-api` → `shopApi`. */
function ident(name: string, suffix: string): string {
  const camel = name.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  const base = /^[0-9]/.test(camel) ? `ns${camel}` : camel;
  return `${base}${suffix}`;
}

/** Seconds from a Gateway API duration (`2m10s`, `130s`, `48h`). */
function seconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(h|ms|m|s)/g)) total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[unit];
  return total;
}

export function typescriptProgram(m: Migration, options: TypescriptOptions = {}): string {
  const ctx = m.context;
  const t = m.translation;
  const gw = ctx.gateway;
  const uses = new Set<string>(['Gateway', 'GatewayClass', 'Listener']);
  const cdk8s = new Set<string>(['App', 'Chart']);
  const out: string[] = [];
  const charts = new Map<string, string>();
  const chartFor = (ns: string): string => {
    if (ns === gw.namespace) return 'platform';
    let v = charts.get(ns);
    if (!v) {
      v = ident(ns, 'Chart');
      charts.set(ns, v);
      out.push(`const ${v} = new Chart(app, ${q(ns)}, { namespace: ${q(ns)} });`);
    }
    return v;
  };

  out.push('const app = new App();', '');
  out.push('// the platform: the Gateway that replaces the ingress controller, with the listeners the Ingresses need');
  out.push(`const platform = new Chart(app, 'platform', { namespace: ${q(gw.namespace)} });`);
  const gatewayClass = ctx.options.gatewayClass ? `GatewayClass.fromName(${q(ctx.options.gatewayClass)})` : 'GatewayClass.nodeDataPlane(platform)';
  const listeners = t.listeners.map((l) => {
    if (l.protocol === 'HTTP') return `Listener.http({ name: ${q(l.name)}, port: ${l.port}${l.hostname ? `, hostname: ${q(l.hostname)}` : ''} })`;
    if (l.protocol === 'TLS') {
      return `Listener.tlsPassthrough({ name: ${q(l.name)}, port: ${l.port}, hostname: ${q(l.hostname!)} })`;
    }
    uses.add('TlsCertificate');
    const certs = (l.tls?.certificateRefs ?? []).map((c) => `TlsCertificate.fromSecretName(${q(c.name)}${c.namespace ? `, { namespace: ${q(c.namespace)} }` : ''})`);
    return `Listener.https({ name: ${q(l.name)}, port: ${l.port}, hostname: ${q(l.hostname!)}, certificates: [${certs.join(', ')}] })`;
  });
  const gwProps = [`gatewayClass: ${gatewayClass}`, `metadata: { name: ${q(gw.name)} }`, `listeners: [\n    ${listeners.join(',\n    ')},\n  ]`];
  const tls = t.gatewayTls as { frontend?: any; backend?: any } | undefined;
  if (tls?.frontend) {
    uses.add('CaCertificate');
    uses.add('ClientCertificateMode');
    const v = tls.frontend.default.validation;
    const refs = v.caCertificateRefs.map((r: any) => `CaCertificate.fromSecretName(${q(r.name)}${r.namespace ? `, { namespace: ${q(r.namespace)} }` : ''})`);
    const mode = v.mode === 'AllowValidOnly' ? 'ClientCertificateMode.ALLOW_VALID_ONLY' : 'ClientCertificateMode.ALLOW_INSECURE_FALLBACK';
    gwProps.push(`clientCertificateValidation: { caCertificates: [${refs.join(', ')}], mode: ${mode} }`);
  }
  if (tls?.backend) {
    uses.add('TlsCertificate');
    const r = tls.backend.clientCertificateRef;
    gwProps.push(`backendClientCertificate: TlsCertificate.fromSecretName(${q(r.name)}${r.namespace ? `, { namespace: ${q(r.namespace)} }` : ''})`);
  }
  out.push(`const gateway = new Gateway(platform, ${q(gw.name)}, {\n  ${gwProps.join(',\n  ')},\n});`);
  // the Gateway's certificates in the Ingresses' namespaces
  for (const g of t.referenceGrants.filter((x) => (x.spec as any).from[0].kind === 'Gateway')) {
    uses.add('ReferenceGrant');
    const md = g.metadata as { name: string; namespace: string };
    const chart = chartFor(md.namespace);
    const to = (g.spec as any).to.map((x: any) => `{ group: '', kind: 'Secret', name: ${q(x.name)} }`);
    out.push(`new ReferenceGrant(${chart}, ${q(md.name)}, {\n  metadata: { name: ${q(md.name)}, namespace: ${q(md.namespace)} },\n` +
      `  from: [{ group: '${GATEWAY_API_GROUP}', kind: 'Gateway', namespace: ${q(gw.namespace)} }],\n  to: [${to.join(', ')}],\n});`);
  }

  for (const team of t.teams) {
    const v = ident(team.namespace, 'Team');
    out.push('');
    const owners = [...new Set(t.routes.filter((r) => r.namespace === team.namespace).map((r) => r.server))].map((s) => (s === '_' ? '(any host)' : s));
    if (team.namespace === gw.namespace) {
      // the Gateway's own namespace is the platform's: its routes need no grant (a team may not be granted it)
      out.push(`// the platform's own routes (the Ingresses of the Gateway's namespace), for ${owners.join(', ')}`);
      for (const g of team.backendGrants) {
        uses.add('ReferenceGrant');
        const to = g.serviceNames.map((n) => `{ group: '', kind: 'Service', name: ${q(n)} }`);
        const from = [...new Set(t.routes.filter((r) => r.namespace === team.namespace).map((r) => r.kind))].map((k) => `{ kind: ${q(k)}, namespace: ${q(gw.namespace)} }`);
        out.push(`new ReferenceGrant(${chartFor(g.namespace)}, ${q(`routes-from-${gw.namespace}`)}, {\n  metadata: { name: ${q(`routes-from-${gw.namespace}`)}, namespace: ${q(g.namespace)} },\n` +
          `  from: [${from.join(', ')}],\n  to: [${to.join(', ')}],\n});`);
      }
      for (const r of t.routes.filter((x) => x.namespace === team.namespace)) out.push(routeCode(undefined, 'platform', r, uses));
      continue;
    }
    out.push(`// team ${q(team.namespace)}: the namespace of the Ingresses for ${owners.join(', ')}`);
    const props = [`namespace: ${q(team.namespace)}`];
    if (team.hostnames.length) props.push(`hostnames: ${list(team.hostnames)}`);
    props.push(`listeners: ${list(team.listeners)}`);
    if (team.backendGrants.length) {
      props.push(`backendGrants: [${team.backendGrants.map((g) => `{ namespace: ${q(g.namespace)}, serviceNames: ${list(g.serviceNames)} }`).join(', ')}]`);
    }
    out.push(`const ${v} = gateway.grantTeam(${q(team.namespace)}, { ${props.join(', ')} });`);
    const chart = chartFor(team.namespace);
    for (const r of t.routes.filter((x) => x.namespace === team.namespace)) out.push(routeCode(v, chart, r, uses));
  }

  for (const p of t.backendTlsPolicies) {
    uses.add('BackendTlsPolicy');
    const md = p.metadata as { name: string; namespace: string };
    const spec = p.spec as any;
    const chart = chartFor(md.namespace);
    const targets = spec.targetRefs.map((x: any) => `{ name: ${q(x.name)}${x.sectionName ? `, sectionName: ${q(x.sectionName)}` : ''} }`);
    const v = spec.validation;
    const trust = v.caCertificateRefs
      ? (uses.add('CaCertificate'), `caCertificates: [${v.caCertificateRefs.map((r: any) => `CaCertificate.fromSecretName(${q(r.name)})`).join(', ')}]`)
      : (uses.add('WellKnownCaCertificates'), 'wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM');
    out.push(`new BackendTlsPolicy(${chart}, ${q(md.name)}, { metadata: { name: ${q(md.name)} }, targets: [${targets.join(', ')}], hostname: ${q(v.hostname)}, ${trust} });`);
  }

  // Services whose port needs an appProtocol (backend-protocol GRPC, GRPCS, H2C)
  const changed = t.services.filter((s) => ((s.spec as any)?.ports ?? []).some((p: any, i: number) => {
    const before = ctx.services.find((x) => x.name === (s.metadata as any).name && x.namespace === ((s.metadata as any).namespace || 'default'));
    return p.appProtocol && before?.ports[i]?.appProtocol !== p.appProtocol;
  }));
  if (changed.length) {
    cdk8s.add('ApiObject');
    // every Service of those namespaces: the synth step treats a namespace's Services in the app as all there are
    const namespaces = new Set(changed.map((s) => (s.metadata as any).namespace || 'default'));
    const emitted = t.services.filter((s) => namespaces.has((s.metadata as any).namespace || 'default'));
    out.push('', '// Services whose port needs an appProtocol for the protocol an Ingress asked for (backend-protocol), with the other Services of their namespace');
    for (const s of emitted) {
      const md = s.metadata as { name: string; namespace?: string };
      out.push(`new ApiObject(${chartFor(md.namespace || 'default')}, ${q(`Service-${md.name}`)}, ${JSON.stringify(s)});`);
    }
  }
  out.push('', 'app.synth();', '');

  const library = options.library ?? 'cdk8s-gateway';
  // Duration comes from cdk8s
  if (uses.delete('Duration')) cdk8s.add('Duration');
  const header = [
    '// Generated by `cdk8s-gateway migrate --output ts` from Ingress objects; the report it printed says what changed.',
    ...(m.report.experimental ? ['// Some routes use experimental-channel fields (ExternalAuth, retry, sessionPersistence): install the experimental CRDs.'] : []),
    '// Each team grant admits the team\'s namespace by name, for its hostnames (one listener per granted hostname).',
    `import { ${[...cdk8s].sort().join(', ')} } from 'cdk8s';`,
    `import {\n  ${[...uses].sort().join(',\n  ')},\n} from ${q(library)};`,
    '',
  ];
  // the header comes last: the imports are what the code above used
  return [...header, ...out].join('\n');
}

/** A route through the team's factory, or (team undefined) a route of the platform's own, on the Gateway's listeners. */
function routeCode(team: string | undefined, chart: string, r: RouteDraft, uses: Set<string>): string {
  // construct ids are unique per chart: an HTTPRoute and a TLSRoute of one host share a name
  const id = q(r.kind === 'HTTPRoute' ? r.name : `${r.kind}-${r.name}`);
  const parents = team ? `listeners: ${list(r.listeners)}` : `parentRefs: [${r.listeners.map((l) => `{ parent: gateway, sectionName: ${q(l)} }`).join(', ')}]`;
  const common = [`metadata: { name: ${q(r.name)} }`, `hostnames: ${list(r.hostnames)}`, parents];
  const cls = { HTTPRoute: 'HttpRoute', GRPCRoute: 'GrpcRoute', TLSRoute: 'TlsRoute' }[r.kind as 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute'];
  if (!team) uses.add(cls);
  const make = (props: string) => (team
    ? `${team}.${r.kind === 'GRPCRoute' ? 'grpcRoute' : r.kind === 'TLSRoute' ? 'tlsRoute' : 'httpRoute'}(${chart}, ${id}, ${props});`
    : `new ${cls}(${chart}, ${id}, ${props});`);
  if (r.kind === 'TLSRoute') {
    uses.add('Backend');
    return make(`{ ${common.join(', ')}, backends: [${(r.tlsBackends ?? []).map((b) => backendCode(b)).join(', ')}] }`);
  }
  const rules = r.rules.map((rule, i) => `    // ${rule.comment}\n    ${r.kind === 'GRPCRoute' ? grpcRuleCode(rule, r.grpcMatches![i], uses) : ruleCode(rule, uses)},`);
  return make(`{\n  ${common.join(',\n  ')},\n  rules: [\n${rules.join('\n')}\n  ],\n}`);
}

function backendCode(b: BackendRefJson): string {
  const opts = [`port: ${b.port}`, ...(b.weight !== undefined ? [`weight: ${b.weight}`] : []), ...(b.namespace ? [`namespace: ${q(b.namespace)}`] : [])];
  return `Backend.fromServiceName(${q(b.name)}, { ${opts.join(', ')} })`;
}

function matchCode(m: MatchJson, uses: Set<string>): string {
  uses.add('HttpMatch');
  const p = m.path;
  let code = p.type === 'Exact' ? `HttpMatch.pathExact(${q(p.value)})` : p.type === 'PathPrefix' ? `HttpMatch.pathPrefix(${q(p.value)})` : `HttpMatch.pathRegex(${q(p.value)})`;
  for (const h of m.headers ?? []) code += h.type === 'Exact' ? `.withHeader(${q(h.name)}, ${q(h.value)})` : `.withHeaderRegex(${q(h.name)}, ${q(h.value)})`;
  return code;
}

function filterCode(f: FilterJson, uses: Set<string>): string {
  uses.add('HttpFilter');
  const x = f as any;
  switch (f.type) {
    case 'RequestRedirect': {
      const r = x.requestRedirect;
      uses.add('RedirectStatusCode');
      const codes: Record<number, string> = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };
      const o: string[] = [];
      if (r.scheme) {
        uses.add('RedirectScheme');
        o.push(`scheme: RedirectScheme.${r.scheme.toUpperCase()}`);
      }
      if (r.hostname) o.push(`hostname: ${q(r.hostname)}`);
      if (r.port) o.push(`port: ${r.port}`);
      if (r.path) o.push(`path: ${pathModifier(r.path, uses)}`);
      o.push(`statusCode: RedirectStatusCode.${codes[r.statusCode]}`);
      return `HttpFilter.redirect({ ${o.join(', ')} })`;
    }
    case 'URLRewrite': {
      const r = x.urlRewrite;
      const o: string[] = [];
      if (r.hostname) o.push(`hostname: ${q(r.hostname)}`);
      if (r.path) o.push(`path: ${pathModifier(r.path, uses)}`);
      return `HttpFilter.urlRewrite({ ${o.join(', ')} })`;
    }
    case 'RequestHeaderModifier': {
      const set = (x.requestHeaderModifier.set ?? []).map((h: any) => `${q(h.name)}: ${q(h.value)}`);
      return `HttpFilter.requestHeaders({ set: { ${set.join(', ')} } })`;
    }
    case 'RequestMirror':
      uses.add('Backend');
      return `HttpFilter.mirror(${backendCode(x.requestMirror.backendRef)})`;
    case 'CORS': {
      const c = x.cors;
      uses.add('Duration');
      const o = [`allowOrigins: ${list(c.allowOrigins)}`];
      if (c.allowMethods) o.push(`allowMethods: ${list(c.allowMethods)}`);
      if (c.allowHeaders) o.push(`allowHeaders: ${list(c.allowHeaders)}`);
      if (c.exposeHeaders) o.push(`exposeHeaders: ${list(c.exposeHeaders)}`);
      o.push(`allowCredentials: ${c.allowCredentials}`, `maxAge: Duration.seconds(${c.maxAge})`);
      return `HttpFilter.cors({ ${o.join(', ')} })`;
    }
    case 'ExternalAuth': {
      const a = x.externalAuth;
      uses.add('Backend');
      const o: string[] = [];
      if (a.http?.path) o.push(`path: ${q(a.http.path)}`);
      if (a.http?.allowedResponseHeaders) o.push(`allowedResponseHeaders: ${list(a.http.allowedResponseHeaders)}`);
      return `HttpFilter.externalAuthHttp(${backendCode(a.backendRef)}${o.length ? `, { ${o.join(', ')} }` : ''})`;
    }
    default:
      throw new Error(`no TypeScript for filter ${f.type}`);
  }
}

function pathModifier(p: { type: string; replaceFullPath?: string; replacePrefixMatch?: string }, uses: Set<string>): string {
  uses.add('PathModifier');
  return p.type === 'ReplaceFullPath' ? `PathModifier.fullPath(${q(p.replaceFullPath!)})` : `PathModifier.prefix(${q(p.replacePrefixMatch!)})`;
}

function ruleExtras(rule: RuleDraft, uses: Set<string>): string[] {
  const o: string[] = [];
  if (rule.timeouts?.backendRequest) {
    uses.add('Duration');
    o.push(`backendTimeout: Duration.seconds(${seconds(rule.timeouts.backendRequest)})`);
  }
  if (rule.retry) o.push(`retry: { attempts: ${rule.retry.attempts}${rule.retry.codes ? `, codes: [${rule.retry.codes.join(', ')}]` : ''} }`);
  if (rule.sessionPersistence) {
    const s = rule.sessionPersistence as any;
    uses.add('SessionPersistenceType');
    uses.add('CookieLifetime');
    const p = ['type: SessionPersistenceType.COOKIE', `sessionName: ${q(s.sessionName)}`];
    if (s.absoluteTimeout) {
      uses.add('Duration');
      p.push(`absoluteTimeout: Duration.seconds(${seconds(s.absoluteTimeout)})`);
    }
    p.push(`cookieLifetime: CookieLifetime.${s.cookieConfig?.lifetimeType === 'Permanent' ? 'PERMANENT' : 'SESSION'}`);
    o.push(`sessionPersistence: { ${p.join(', ')} }`);
  }
  return o;
}

function ruleCode(rule: RuleDraft, uses: Set<string>): string {
  const o = [`matches: [${rule.matches.map((m) => matchCode(m, uses)).join(', ')}]`];
  if (rule.filters.length) o.push(`filters: [${rule.filters.map((f) => filterCode(f, uses)).join(', ')}]`);
  if (rule.backendRefs.length) {
    uses.add('Backend');
    o.push(`backends: [${rule.backendRefs.map(backendCode).join(', ')}]`);
  }
  o.push(...ruleExtras(rule, uses));
  return `{ ${o.join(', ')} }`;
}

function grpcRuleCode(rule: RuleDraft, matches: NonNullable<RouteDraft['grpcMatches']>[number], uses: Set<string>): string {
  uses.add('GrpcMatch');
  const m = matches.map((x) => {
    let code = x.method?.method ? `GrpcMatch.method(${q(x.method.service!)}, ${q(x.method.method)})` : x.method?.service ? `GrpcMatch.service(${q(x.method.service)})` : 'GrpcMatch.any()';
    for (const h of x.headers ?? []) code += h.type === 'Exact' ? `.withHeader(${q(h.name)}, ${q(h.value)})` : `.withHeaderRegex(${q(h.name)}, ${q(h.value)})`;
    return code;
  });
  const o = [`matches: [${m.join(', ')}]`];
  if (rule.filters.length) {
    uses.add('GrpcFilter');
    o.push(`filters: [${rule.filters.map((f) => (f.type === 'RequestMirror' ? `GrpcFilter.mirror(${backendCode((f as any).requestMirror.backendRef)})` : filterCode(f, uses).replace('HttpFilter.', 'GrpcFilter.'))).join(', ')}]`);
  }
  uses.add('Backend');
  o.push(`backends: [${rule.backendRefs.map(backendCode).join(', ')}]`);
  if (rule.sessionPersistence) o.push(...ruleExtras({ ...rule, timeouts: undefined, retry: undefined }, uses));
  return `{ ${o.join(', ')} }`;
}

