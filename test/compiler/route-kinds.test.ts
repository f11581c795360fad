import {
  caConfigMap,
  compileAll,
  cond,
  configOf,
  explain,
  gateway,
  HTTP_ALL,
  httpRoute,
  listener,
  prefixRule,
  referenceGrant,
  route,
  routeAccepted,
  service,
  statusOf,
  tlsSecret,
  V1,
  where,
} from './fixtures';
import { SniRouter } from '../../src/router';

describe('GRPCRoute', () => {
  const grpc = (name: string, matches: unknown[], backend = 'a') =>
    route('GRPCRoute', name, { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ matches, backendRefs: [{ name: backend, port: 80 }] }] });
  const base = [gateway('gw', [HTTP_ALL]), service('a'), service('b'), service('c')];

  test.each([
    ['service and method is an exact match', 'POST', '/pkg.Greeter/Hello', 'exact#0'],
    ['service only matches every method of the service', 'POST', '/pkg.Greeter/Bye', 'service#0'],
    ['method only matches that method of any service', 'POST', '/other.Svc/Ping', 'method#0'],
    ['gRPC matches need POST', 'GET', '/pkg.Greeter/Hello', '404'],
  ])('%s', (_n, method, path, expected) => {
    const r = compileAll([
      ...base,
      grpc('exact', [{ method: { service: 'pkg.Greeter', method: 'Hello' } }], 'a'),
      grpc('service', [{ method: { service: 'pkg.Greeter' } }], 'b'),
      grpc('method', [{ method: { method: 'Ping' } }], 'c'),
    ]);
    expect(where(r, method, `http://h${path}`)).toBe(expected);
  });

  test('a GRPCRoute rule is marked grpc and its backends default to h2c', () => {
    const r = compileAll([...base, grpc('g', [])]);
    expect(configOf(r).httpRules[0].grpc).toBe(true);
    expect(configOf(r).backends['default/a:80'].protocol).toBe('h2c');
  });

  test('an Exact method match with neither service nor method is UnsupportedValue', () => {
    const r = compileAll([...base, grpc('g', [{ method: { type: 'Exact' } }])]);
    expect(routeAccepted(r, 'GRPCRoute', 'g')).toBe('False/UnsupportedValue');
  });

  test('HTTP-only filters are not allowed on a GRPCRoute', () => {
    const r = compileAll([...base, route('GRPCRoute', 'g', { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: {} }], backendRefs: [{ name: 'a', port: 80 }] }] })]);
    expect(routeAccepted(r, 'GRPCRoute', 'g')).toBe('False/UnsupportedValue');
  });

  test('header matches count after the method for precedence', () => {
    const r = compileAll([...base, grpc('plain', [{ method: { service: 'pkg.S', method: 'M' } }], 'a'), grpc('header', [{ method: { service: 'pkg.S', method: 'M' }, headers: [{ name: 'x-v', value: '2' }] }], 'b')]);
    expect(where(r, 'POST', 'http://h/pkg.S/M', { 'x-v': '2' })).toBe('header#0');
    expect(where(r, 'POST', 'http://h/pkg.S/M')).toBe('plain#0');
  });
});

describe('TLSRoute, TCPRoute, UDPRoute', () => {
  const tlsGw = gateway('gw', [
    listener('pass', 443, 'TLS', { hostname: '*.example.com', tls: { mode: 'Passthrough' }, allowedRoutes: { namespaces: { from: 'All' } } }),
    listener('tcp', 9000, 'TCP', { allowedRoutes: { namespaces: { from: 'All' } } }),
    listener('udp', 5353, 'UDP', { allowedRoutes: { namespaces: { from: 'All' } } }),
  ]);
  const l4 = (kind: string, name: string, spec: Record<string, unknown>, created?: string) =>
    route(kind, name, { parentRefs: [{ name: 'gw', namespace: 'infra' }], ...spec }, created ? { creationTimestamp: created } : {});

  test('a TLSRoute is chosen by SNI: exact hostname before wildcard', () => {
    const r = compileAll([
      tlsGw,
      service('a', 'default', [{ port: 443 }]),
      service('b', 'default', [{ port: 443 }]),
      l4('TLSRoute', 'wild', { hostnames: ['*.example.com'], rules: [{ backendRefs: [{ name: 'a', port: 443 }] }] }),
      l4('TLSRoute', 'abc', { hostnames: ['abc.example.com'], rules: [{ backendRefs: [{ name: 'b', port: 443 }] }] }),
    ]);
    const port = configOf(r).ports.find((p) => p.port === 443)!;
    const sni = SniRouter.build(port);
    expect(sni.matchSni('abc.example.com')?.entry?.source.name).toBe('abc');
    expect(sni.matchSni('x.example.com')?.entry?.source.name).toBe('wild');
    expect(sni.matchSni('example.org')).toBeUndefined();
    expect(routeAccepted(r, 'TLSRoute', 'wild')).toBe('True/Accepted');
  });

  test('a TLSRoute whose hostnames miss the listener is NoMatchingListenerHostname', () => {
    const r = compileAll([tlsGw, service('a', 'default', [{ port: 443 }]), l4('TLSRoute', 't', { hostnames: ['example.org'], rules: [{ backendRefs: [{ name: 'a', port: 443 }] }] })]);
    expect(routeAccepted(r, 'TLSRoute', 't')).toBe('False/NoMatchingListenerHostname');
  });

  test('two TCPRoutes on one listener are both Accepted; the older carries the connections', () => {
    const r = compileAll([
      tlsGw,
      service('a', 'default', [{ port: 3000 }]),
      service('b', 'default', [{ port: 3000 }]),
      l4('TCPRoute', 'newer', { rules: [{ backendRefs: [{ name: 'b', port: 3000 }] }] }, '2024-01-02T00:00:00Z'),
      l4('TCPRoute', 'older', { rules: [{ backendRefs: [{ name: 'a', port: 3000 }] }] }, '2024-01-01T00:00:00Z'),
    ]);
    expect(routeAccepted(r, 'TCPRoute', 'newer')).toBe('True/Accepted');
    expect(routeAccepted(r, 'TCPRoute', 'older')).toBe('True/Accepted');
    expect(statusOf(r, 'Gateway', 'gw').listeners!.find((l) => l.name === 'tcp')!.attachedRoutes).toBe(2);
    const tcp = configOf(r).ports.find((p) => p.port === 9000)!.listeners[0];
    expect(tcp.l4Route).toEqual({ source: { kind: 'TCPRoute', namespace: 'default', name: 'older' }, backends: [{ weight: 1, backend: 'default/a:3000' }] });
  });

  test('a UDPRoute needs a UDP Service port; weights are kept, invalid shares are refused', () => {
    const r = compileAll([
      tlsGw,
      service('dns', 'default', [{ port: 53, protocol: 'UDP' }]),
      service('tcp-only', 'default', [{ port: 53 }]),
      l4('UDPRoute', 'u', { rules: [{ backendRefs: [{ name: 'dns', port: 53, weight: 3 }, { name: 'tcp-only', port: 53 }] }] }),
    ]);
    expect(cond(statusOf(r, 'UDPRoute', 'u').parents![0].conditions, 'ResolvedRefs')).toBe('False/UnsupportedProtocol');
    const udp = configOf(r).ports.find((p) => p.transport === 'UDP')!.listeners[0];
    expect(udp.l4Route!.backends).toEqual([{ weight: 3, backend: 'default/dns:53' }, { weight: 1, invalid: expect.objectContaining({ reason: 'UnsupportedProtocol' }) }]);
  });

  test('a TCPRoute with two rules is UnsupportedValue', () => {
    const r = compileAll([tlsGw, service('a', 'default', [{ port: 3000 }]), l4('TCPRoute', 't', { rules: [{ backendRefs: [{ name: 'a', port: 3000 }] }, { backendRefs: [{ name: 'a', port: 3000 }] }] })]);
    expect(routeAccepted(r, 'TCPRoute', 't')).toBe('False/UnsupportedValue');
  });
});

describe('ReferenceGrant', () => {
  const grant = referenceGrant('allow', 'backend-ns', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }], [{ group: '', kind: 'Service' }]);
  const objs = [gateway('gw', [HTTP_ALL]), service('api', 'backend-ns'), httpRoute('r', { rules: [{ backendRefs: [{ name: 'api', namespace: 'backend-ns', port: 80 }] }] })];

  test('a grant in the target namespace allows a cross-namespace backendRef', () => {
    const r = compileAll([...objs, grant]);
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('True/ResolvedRefs');
    expect(explain(r, 'GET', 'http://h/').backends[0].backend?.id).toBe('backend-ns/api:80');
  });

  test('removing the grant revokes the reference: RefNotPermitted and 500', () => {
    const r = compileAll(objs);
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('False/RefNotPermitted');
    expect(explain(r, 'GET', 'http://h/').status).toBe(500);
  });

  test('a grant for another route kind does not allow an HTTPRoute', () => {
    const other = referenceGrant('grpc-only', 'backend-ns', [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'default' }], [{ group: '', kind: 'Service' }]);
    expect(cond(statusOf(compileAll([...objs, other]), 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('False/RefNotPermitted');
  });

  test('a grant also allows a cross-namespace mirror', () => {
    const mirror = httpRoute('m', { rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'api', namespace: 'backend-ns', port: 80 } } }], backendRefs: [{ name: 'a', port: 80 }] }] });
    const without = compileAll([gateway('gw', [HTTP_ALL]), service('a'), service('api', 'backend-ns'), mirror]);
    expect(cond(statusOf(without, 'HTTPRoute', 'm').parents![0].conditions, 'ResolvedRefs')).toBe('False/RefNotPermitted');
    const withGrant = compileAll([gateway('gw', [HTTP_ALL]), service('a'), service('api', 'backend-ns'), mirror, grant]);
    expect(configOf(withGrant).httpRules[0].filters).toEqual([{ type: 'RequestMirror', backend: 'backend-ns/api:80', percent: 100 }]);
  });

  test('a grant reports the references it allowed', () => {
    const s = statusOf(compileAll([...objs, grant]), 'ReferenceGrant', 'allow', 'backend-ns');
    expect(s.conditions![0]).toMatchObject({ type: 'Accepted', status: 'True', message: 'allows 1 reference(s): HTTPRoute default/r → Service backend-ns/api' });
  });
});

describe('ListenerSet', () => {
  const ls = (name: string, listeners: unknown[], extra: Record<string, unknown> = {}) => ({
    apiVersion: V1,
    kind: 'ListenerSet',
    metadata: { name, namespace: 'infra', ...extra },
    spec: { parentRef: { name: 'gw', kind: 'Gateway', group: 'gateway.networking.k8s.io' }, listeners },
  });
  const gw = (from: string) => gateway('gw', [listener('http', 80, 'HTTP', { hostname: 'gw.example.com' })], { spec: { allowedListeners: { namespaces: { from } } } });

  test('a Gateway allows no ListenerSet by default (NotAllowed)', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), ls('set', [listener('extra', 8080, 'HTTP')])]);
    expect(cond(statusOf(r, 'ListenerSet', 'set', 'infra').conditions, 'Accepted')).toBe('False/NotAllowed');
    expect(configOf(r).ports.map((p) => p.port)).toEqual([80]);
  });

  test('an allowed ListenerSet merges its listeners into the Gateway config, and routes attach to it', () => {
    const r = compileAll([
      gw('Same'),
      ls('set', [listener('extra', 8080, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } })]),
      service('a'),
      httpRoute('r', { parentRefs: [{ name: 'set', namespace: 'infra', kind: 'ListenerSet' }], rules: [prefixRule('/', 'a')] }),
    ]);
    expect(cond(statusOf(r, 'ListenerSet', 'set', 'infra').conditions, 'Accepted')).toBe('True/Accepted');
    expect(statusOf(r, 'Gateway', 'gw').attachedListenerSets).toBe(1);
    expect(configOf(r).ports.map((p) => [p.port, p.listeners[0].id])).toEqual([
      [80, 'http'],
      [8080, 'infra/set/extra'],
    ]);
    expect(where(r, 'GET', 'http://h:8080/')).toBe('r#0');
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
  });

  test('a ListenerSet listener that reuses a Gateway listener port and hostname loses (HostnameConflict)', () => {
    const r = compileAll([gw('Same'), ls('set', [listener('dup', 80, 'HTTP', { hostname: 'gw.example.com' }), listener('ok', 80, 'HTTP', { hostname: 'other.example.com' })])]);
    const s = statusOf(r, 'ListenerSet', 'set', 'infra');
    expect(cond(s.listeners!.find((l) => l.name === 'dup')!.conditions, 'Conflicted')).toBe('True/HostnameConflict');
    expect(cond(s.listeners!.find((l) => l.name === 'ok')!.conditions, 'Accepted')).toBe('True/Accepted');
    expect(cond(s.conditions, 'Accepted')).toBe('True/ListenersNotValid');
  });

  test('between two ListenerSets the older one keeps a contested listener', () => {
    const r = compileAll([
      gw('Same'),
      ls('newer', [listener('x', 80, 'HTTP', { hostname: 'x.example.com' })], { creationTimestamp: '2024-02-01T00:00:00Z' }),
      ls('older', [listener('x', 80, 'HTTP', { hostname: 'x.example.com' })], { creationTimestamp: '2024-01-01T00:00:00Z' }),
    ]);
    expect(cond(statusOf(r, 'ListenerSet', 'older', 'infra').conditions, 'Accepted')).toBe('True/Accepted');
    expect(cond(statusOf(r, 'ListenerSet', 'newer', 'infra').conditions, 'Accepted')).toBe('False/ListenersNotValid');
  });

  // ListenerSetConditionReason ListenersNotValid: "one or more Listeners have an invalid or unsupported configuration
  // ... This can be the reason when Accepted is True or False, depending on whether the listener being invalid causes
  // the entire ListenerSet to not be accepted"
  test('a ListenerSet whose only listener has ResolvedRefs=False (RefNotPermitted) is Accepted=False and Programmed=False ListenersNotValid', () => {
    // GIVEN an HTTPS listener whose certificate is in another namespace, with no ReferenceGrant there
    const https = listener('https', 443, 'HTTPS', { hostname: 'set.example.com', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } });
    const r = compileAll([gw('Same'), tlsSecret('cert', 'certs'), ls('set', [https])]);
    // THEN
    const s = statusOf(r, 'ListenerSet', 'set', 'infra');
    expect(cond(s.listeners![0].conditions, 'ResolvedRefs')).toBe('False/RefNotPermitted');
    expect(cond(s.conditions, 'Accepted')).toBe('False/ListenersNotValid');
    expect(cond(s.conditions, 'Programmed')).toBe('False/ListenersNotValid');
    expect(s.conditions!.find((c) => c.type === 'Accepted')!.message).toMatch(/no listener of ListenerSet infra\/set is valid: .*Secret certs\/cert/);
    expect(statusOf(r, 'Gateway', 'gw').attachedListenerSets).toBe(0);
    expect(configOf(r).ports.map((p) => p.port)).toEqual([80]);
  });

  test('a ListenerSet with a valid and an invalid listener is Accepted=True and Programmed=True with ListenersNotValid', () => {
    const https = listener('https', 443, 'HTTPS', { hostname: 'set.example.com', tls: { certificateRefs: [{ name: 'cert', namespace: 'certs' }] } });
    const r = compileAll([gw('Same'), tlsSecret('cert', 'certs'), ls('set', [https, listener('plain', 8080, 'HTTP')])]);
    const s = statusOf(r, 'ListenerSet', 'set', 'infra');
    expect(cond(s.conditions, 'Accepted')).toBe('True/ListenersNotValid');
    expect(cond(s.conditions, 'Programmed')).toBe('True/ListenersNotValid');
    expect(statusOf(r, 'Gateway', 'gw').attachedListenerSets).toBe(1);
  });

  test('a ListenerSet of a Gateway that is not accepted: Accepted=False ParentNotAccepted, Programmed=False ParentNotProgrammed', () => {
    const bad = gateway('gw', [listener('http', 80, 'HTTP')], { spec: { allowedListeners: { namespaces: { from: 'Same' } }, addresses: [{ type: 'IPAddress', value: 'not-an-ip' }] } });
    const r = compileAll([bad, ls('set', [listener('extra', 8080, 'HTTP')])]);
    const s = statusOf(r, 'ListenerSet', 'set', 'infra');
    expect(cond(s.conditions, 'Accepted')).toBe('False/ParentNotAccepted');
    expect(cond(s.conditions, 'Programmed')).toBe('False/ParentNotProgrammed');
  });

  test('a ListenerSet the Gateway does not allow is NotAllowed in Accepted and Programmed', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), ls('set', [listener('extra', 8080, 'HTTP')])]);
    const s = statusOf(r, 'ListenerSet', 'set', 'infra');
    expect(cond(s.conditions, 'Programmed')).toBe('False/NotAllowed');
  });

  test('a Gateway route parentRef does not reach ListenerSet listeners (NoMatchingParent by sectionName)', () => {
    const r = compileAll([gw('Same'), ls('set', [listener('extra', 8080, 'HTTP')]), service('a'), httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'extra' }], rules: [prefixRule('/', 'a')] })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('False/NoMatchingParent');
  });
});

describe('BackendTLSPolicy', () => {
  const policy = (name: string, target: Record<string, unknown>, validation: Record<string, unknown>, created?: string) => ({
    apiVersion: V1,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: 'default', ...(created ? { creationTimestamp: created } : {}) },
    spec: { targetRefs: [{ group: '', kind: 'Service', ...target }], validation },
  });
  const objs = [gateway('gw', [HTTP_ALL]), service('secure', 'default', [{ port: 443, name: 'https' }, { port: 8443, name: 'alt' }]), caConfigMap('ca', 'default'), httpRoute('r', { rules: [{ backendRefs: [{ name: 'secure', port: 443 }] }] })];
  const valid = { hostname: 'secure.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] };

  test('a valid policy makes the backend TLS, verified against its CA and hostname', () => {
    const r = compileAll([...objs, policy('p', { name: 'secure' }, valid)]);
    expect(configOf(r).backends['default/secure:443'].tls).toEqual({
      policy: { namespace: 'default', name: 'p' },
      hostname: 'secure.example.com',
      caBundles: [{ kind: 'ConfigMap', namespace: 'default', name: 'ca', key: 'ca.crt' }],
      systemCAs: false,
      subjectAltNames: [],
    });
    const ancestor = statusOf(r, 'BackendTLSPolicy', 'p').ancestors![0];
    expect(ancestor.ancestorRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'gw' });
    expect(cond(ancestor.conditions, 'Accepted')).toBe('True/Accepted');
  });

  test('of two policies on the same target the older wins; the other is Conflicted', () => {
    const r = compileAll([...objs, policy('newer', { name: 'secure' }, { ...valid, hostname: 'newer.example.com' }, '2024-02-01T00:00:00Z'), policy('older', { name: 'secure' }, valid, '2024-01-01T00:00:00Z')]);
    expect(configOf(r).backends['default/secure:443'].tls?.policy.name).toBe('older');
    expect(cond(statusOf(r, 'BackendTLSPolicy', 'newer').ancestors![0].conditions, 'Accepted')).toBe('False/Conflicted');
  });

  test('a policy for a port (sectionName) takes precedence over one for the whole Service', () => {
    const r = compileAll([...objs, policy('whole', { name: 'secure' }, valid), policy('port', { name: 'secure', sectionName: 'https' }, { ...valid, hostname: 'port.example.com' })]);
    expect(configOf(r).backends['default/secure:443'].tls?.policy.name).toBe('port');
    expect(cond(statusOf(r, 'BackendTLSPolicy', 'whole').ancestors![0].conditions, 'Accepted')).toBe('True/Accepted');
  });

  test('a policy whose only CA ref is missing is NoValidCACertificate, and connections to the backend fail with 500', () => {
    const r = compileAll([...objs, policy('p', { name: 'secure' }, { ...valid, caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nope' }] })]);
    const a = statusOf(r, 'BackendTLSPolicy', 'p').ancestors![0];
    expect(cond(a.conditions, 'Accepted')).toBe('False/NoValidCACertificate');
    expect(cond(a.conditions, 'ResolvedRefs')).toBe('False/InvalidCACertificateRef');
    expect(explain(r, 'GET', 'http://h/').status).toBe(500);
  });

  test('a CA ref of an unknown kind is InvalidKind; an unknown wellKnownCACertificates is Invalid', () => {
    const kind = compileAll([...objs, policy('p', { name: 'secure' }, { ...valid, caCertificateRefs: [{ group: '', kind: 'Pod', name: 'ca' }] })]);
    expect(cond(statusOf(kind, 'BackendTLSPolicy', 'p').ancestors![0].conditions, 'ResolvedRefs')).toBe('False/InvalidKind');
    const wk = compileAll([...objs, policy('p', { name: 'secure' }, { hostname: 'x.example.com', wellKnownCACertificates: 'Everything' })]);
    expect(cond(statusOf(wk, 'BackendTLSPolicy', 'p').ancestors![0].conditions, 'Accepted')).toBe('False/Invalid');
  });

  test('with a policy, an h2c backend is spoken to as h2 (TLS with ALPN)', () => {
    const r = compileAll([...objs.slice(0, 3), service('g', 'default', [{ port: 443, appProtocol: 'kubernetes.io/h2c' }]), httpRoute('r', { rules: [{ backendRefs: [{ name: 'g', port: 443 }] }] }), policy('p', { name: 'g' }, valid)]);
    expect(configOf(r).backends['default/g:443'].protocol).toBe('h2');
  });

  test('the Gateway client certificate is presented to TLS backends', () => {
    const gw = gateway('gw', [HTTP_ALL], { spec: { tls: { backend: { clientCertificateRef: { name: 'client' } } } } });
    const r = compileAll([gw, ...objs.slice(1), tlsSecret('client'), policy('p', { name: 'secure' }, valid)]);
    expect(configOf(r).backends['default/secure:443'].tls?.clientCertificate).toEqual({ namespace: 'infra', name: 'client' });
  });
});
