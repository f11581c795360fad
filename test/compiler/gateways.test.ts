import {
  caConfigMap,
  compileAll,
  cond,
  configOf,
  gateway,
  gatewayClass,
  listener,
  listenerCond,
  referenceGrant,
  statusOf,
  tlsSecret,
} from './fixtures';

const https = (name: string, hostname?: string, certs: Record<string, unknown>[] = [{ name: 'cert' }]) =>
  listener(name, 443, 'HTTPS', { hostname, tls: { certificateRefs: certs } });

describe('GatewayClass', () => {
  test('a class of this controller is Accepted with SupportedVersion', () => {
    const r = compileAll([gatewayClass()]);
    const s = statusOf(r, 'GatewayClass', 'node');
    expect(cond(s.conditions, 'Accepted')).toBe('True/Accepted');
    expect(cond(s.conditions, 'SupportedVersion')).toBe('True/SupportedVersion');
  });

  test('a class of another controller gets no status and its Gateways are not compiled', () => {
    const r = compileAll([gatewayClass('other', { controllerName: 'example.com/other' }), gateway('gw', [listener('http', 80, 'HTTP')], { spec: { gatewayClassName: 'other' } })]);
    expect(r.status).toEqual([]);
    expect(r.configs).toEqual([]);
  });

  test('allGateways compiles a Gateway of any class', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP')], { spec: { gatewayClassName: 'eg' } })], { allGateways: true });
    expect(configOf(r).ports.map((p) => p.port)).toEqual([80]);
  });

  test('a parametersRef to something other than a ConfigMap is InvalidParameters', () => {
    const r = compileAll([gatewayClass('node', { parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } })]);
    expect(cond(statusOf(r, 'GatewayClass', 'node').conditions, 'Accepted')).toBe('False/InvalidParameters');
  });
});

describe('Gateway', () => {
  test('a valid Gateway is Accepted and Programmed and its config lists its listeners', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP')])]);
    const s = statusOf(r, 'Gateway', 'gw');
    expect(cond(s.conditions, 'Accepted')).toBe('True/Accepted');
    expect(cond(s.conditions, 'Programmed')).toBe('True/Programmed');
    expect(configOf(r).ports).toEqual([{ port: 80, transport: 'TCP', kind: 'HTTP', listeners: [expect.objectContaining({ id: 'http', protocol: 'HTTP', httpRoutes: [] })] }]);
  });

  test('an unsupported listener protocol is UnsupportedProtocol; the Gateway stays Accepted with ListenersNotValid', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP'), listener('sctp', 90, 'SCTP')])]);
    expect(listenerCond(r, 'gw', 'sctp', 'Accepted')).toBe('False/UnsupportedProtocol');
    expect(cond(statusOf(r, 'Gateway', 'gw').conditions, 'Accepted')).toBe('True/ListenersNotValid');
    expect(configOf(r).ports.map((p) => p.port)).toEqual([80]);
  });

  test('a Gateway whose listeners are all invalid is not Accepted (ListenersNotValid) and has no config', () => {
    const r = compileAll([gateway('gw', [listener('x', 80, 'FTP')])]);
    expect(cond(statusOf(r, 'Gateway', 'gw').conditions, 'Accepted')).toBe('False/ListenersNotValid');
    expect(r.configs).toEqual([]);
  });

  test('a parametersRef ConfigMap sets data-plane options; clusterDomain defaults to cluster.local', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'opts', namespace: 'infra' }, data: { 'options.json': '{"clusterDomain":"corp.local"}' } };
    const withParams = compileAll([cm, gateway('gw', [listener('http', 80, 'HTTP')], { spec: { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'opts' } } } })]);
    expect(configOf(withParams).options).toEqual({ clusterDomain: 'corp.local' });
    expect(configOf(compileAll([gateway('gw', [listener('http', 80, 'HTTP')])])).options).toEqual({ clusterDomain: 'cluster.local' });
  });

  test.each([
    ['an unsupported kind', { group: 'invalid.io', kind: 'InvalidParameters', name: 'invalid' }, /core ConfigMap/],
    ['a missing ConfigMap', { group: '', kind: 'ConfigMap', name: 'nope' }, /does not exist/],
  ])('a parametersRef to %s makes the Gateway not Accepted (InvalidParameters)', (_n, ref, message) => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP')], { spec: { infrastructure: { parametersRef: ref } } })]);
    const accepted = statusOf(r, 'Gateway', 'gw').conditions!.find((c) => c.type === 'Accepted')!;
    expect(`${accepted.status}/${accepted.reason}`).toBe('False/InvalidParameters');
    expect(accepted.message).toMatch(message);
  });

  test('a malformed options ConfigMap is InvalidParameters naming the option', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'opts', namespace: 'infra' }, data: { clusterDomain: 'Not A Domain' } };
    const r = compileAll([cm, gateway('gw', [listener('http', 80, 'HTTP')], { spec: { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'opts' } } } })]);
    expect(statusOf(r, 'Gateway', 'gw').conditions![0].message).toMatch(/option clusterDomain must be a DNS suffix/);
  });

  test('an address type other than IPAddress or Hostname is UnsupportedAddress', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP')], { spec: { addresses: [{ type: 'test/fake-invalid-type', value: 'x' }] } })]);
    expect(cond(statusOf(r, 'Gateway', 'gw').conditions, 'Accepted')).toBe('False/UnsupportedAddress');
  });

  test('observedGeneration is the metadata.generation of the object', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP')], { metadata: { generation: 7 } })]);
    const s = statusOf(r, 'Gateway', 'gw');
    expect(s.conditions!.every((c) => c.observedGeneration === 7)).toBe(true);
    expect(s.listeners![0].conditions.every((c) => c.observedGeneration === 7)).toBe(true);
  });
});

describe('listener validity', () => {
  test.each([
    ['hostname on a TCP listener', listener('tcp', 9000, 'TCP', { hostname: 'a.example.com' }), 'False/UnsupportedValue'],
    ['tls on an HTTP listener', listener('http', 80, 'HTTP', { tls: { certificateRefs: [{ name: 'cert' }] } }), 'False/UnsupportedValue'],
    ['HTTPS without tls', listener('https', 443, 'HTTPS'), 'False/UnsupportedValue'],
    ['HTTPS with Passthrough', listener('https', 443, 'HTTPS', { tls: { mode: 'Passthrough' } }), 'False/UnsupportedValue'],
    ['a port out of range', listener('http', 70000, 'HTTP'), 'False/UnsupportedValue'],
    ['allowedRoutes from Selector without selector', listener('http', 80, 'HTTP', { allowedRoutes: { namespaces: { from: 'Selector' } } }), 'False/UnsupportedValue'],
  ])('%s is not Accepted', (_n, l, expected) => {
    const r = compileAll([gateway('gw', [l, listener('ok', 8080, 'HTTP')]), tlsSecret('cert')]);
    expect(listenerCond(r, 'gw', (l as { name: string }).name, 'Accepted')).toBe(expected);
  });

  test('unsupported allowedRoutes kinds are InvalidRouteKinds and left out of supportedKinds', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP', { allowedRoutes: { kinds: [{ kind: 'InvalidRoute' }, { kind: 'HTTPRoute' }] } })])]);
    expect(listenerCond(r, 'gw', 'http', 'ResolvedRefs')).toBe('False/InvalidRouteKinds');
    expect(statusOf(r, 'Gateway', 'gw').listeners![0].supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]);
    expect(cond(statusOf(r, 'Gateway', 'gw').conditions, 'ResolvedRefs')).toBe('False/ListenersNotResolved');
  });

  test('supportedKinds follow the protocol by default', () => {
    const r = compileAll([
      gateway('gw', [listener('http', 80, 'HTTP'), listener('tls', 8443, 'TLS', { tls: { mode: 'Passthrough' } }), listener('tcp', 9000, 'TCP'), listener('udp', 9000, 'UDP')]),
    ]);
    const kinds = Object.fromEntries(statusOf(r, 'Gateway', 'gw').listeners!.map((l) => [l.name, l.supportedKinds.map((k) => k.kind)]));
    expect(kinds).toEqual({ http: ['HTTPRoute', 'GRPCRoute'], tls: ['TLSRoute'], tcp: ['TCPRoute'], udp: ['UDPRoute'] });
  });
});

describe('listener conflicts on a shared port', () => {
  test.each([
    ['HTTP and TCP on one port conflict (ProtocolConflict) and neither is served', [listener('web', 80, 'HTTP'), listener('raw', 80, 'TCP')], ['web', 'raw'], 'ProtocolConflict'],
    ['HTTP and HTTPS on one port conflict', [listener('web', 80, 'HTTP'), listener('sec', 80, 'HTTPS', { tls: { certificateRefs: [{ name: 'cert' }] } })], ['web', 'sec'], 'ProtocolConflict'],
    ['HTTPS and TLS with the same hostname conflict', [listener('a', 443, 'HTTPS', { hostname: 'x.example.com', tls: { certificateRefs: [{ name: 'cert' }] } }), listener('b', 443, 'TLS', { hostname: 'x.example.com', tls: { mode: 'Passthrough' } })], ['a', 'b'], 'ProtocolConflict'],
  ] as [string, Record<string, unknown>[], string[], string][])('%s', (_n, ls, conflicted, reason) => {
    const r = compileAll([gateway('gw', ls), tlsSecret('cert')]);
    for (const name of conflicted) {
      expect(listenerCond(r, 'gw', name, 'Conflicted')).toBe(`True/${reason}`);
      expect(listenerCond(r, 'gw', name, 'Accepted')).toBe(`False/${reason}`);
      expect(listenerCond(r, 'gw', name, 'Programmed')).toBe(`False/${reason}`);
    }
  });

  test('HTTP listeners on one port with different hostnames do not conflict', () => {
    const r = compileAll([gateway('gw', [listener('a', 80, 'HTTP', { hostname: 'a.example.com' }), listener('b', 80, 'HTTP', { hostname: 'b.example.com' }), listener('c', 80, 'HTTP')])]);
    for (const n of ['a', 'b', 'c']) expect(listenerCond(r, 'gw', n, 'Conflicted')).toBe('False/NoConflicts');
    // the port lists the most specific hostname first, the listener without hostname last
    expect(configOf(r).ports[0].listeners.map((l) => l.name)).toEqual(['a', 'b', 'c']);
  });

  test('HTTPS and TLS Passthrough share a port when their hostnames differ', () => {
    const r = compileAll([
      gateway('gw', [listener('web', 443, 'HTTPS', { hostname: '*.example.com', tls: { certificateRefs: [{ name: 'cert' }] } }), listener('pass', 443, 'TLS', { hostname: 'abc.example.com', tls: { mode: 'Passthrough' } })]),
      tlsSecret('cert'),
    ]);
    expect(listenerCond(r, 'gw', 'web', 'Accepted')).toBe('True/Accepted');
    expect(listenerCond(r, 'gw', 'pass', 'Accepted')).toBe('True/Accepted');
    expect(configOf(r).ports).toEqual([expect.objectContaining({ port: 443, kind: 'TLS', listeners: [expect.objectContaining({ name: 'pass' }), expect.objectContaining({ name: 'web' })] })]);
  });

  test('a TCP and a UDP listener may share a port number', () => {
    const r = compileAll([gateway('gw', [listener('tcp', 53, 'TCP'), listener('udp', 53, 'UDP')])]);
    expect(configOf(r).ports.map((p) => `${p.port}/${p.transport}`)).toEqual(['53/TCP', '53/UDP']);
  });

  test('HTTPS listeners with overlapping hostnames get OverlappingTLSConfig; distinct ones do not', () => {
    const r = compileAll([gateway('gw', [https('foo', 'foo.example.com'), https('wild', '*.example.com'), https('other', 'other.org')]), tlsSecret('cert')]);
    expect(listenerCond(r, 'gw', 'foo', 'OverlappingTLSConfig')).toBe('True/OverlappingHostnames');
    expect(listenerCond(r, 'gw', 'wild', 'OverlappingTLSConfig')).toBe('True/OverlappingHostnames');
    expect(listenerCond(r, 'gw', 'other', 'OverlappingTLSConfig')).toBeUndefined();
  });
});

describe('listener certificates', () => {
  test.each([
    ['a missing Secret', [{ name: 'nope' }], [], 'False/InvalidCertificateRef'],
    ['a Secret of another kind', [{ kind: 'WrongKind', name: 'cert' }], [tlsSecret('cert')], 'False/InvalidCertificateRef'],
    ['a Secret of another group', [{ group: 'wrong.group.company.io', kind: 'Secret', name: 'cert' }], [tlsSecret('cert')], 'False/InvalidCertificateRef'],
    ['a Secret without PEM data', [{ name: 'bad' }], [tlsSecret('bad', 'infra', { 'tls.crt': 'Hello world', 'tls.key': 'Hello world' })], 'False/InvalidCertificateRef'],
    ['a Secret in another namespace without ReferenceGrant', [{ name: 'cert', namespace: 'certs' }], [tlsSecret('cert', 'certs')], 'False/RefNotPermitted'],
  ])('%s is ResolvedRefs %s and the listener is not programmed', (_n, refs, objs, expected) => {
    const r = compileAll([gateway('gw', [https('https', undefined, refs)]), ...objs]);
    expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe(expected);
    expect(listenerCond(r, 'gw', 'https', 'Programmed')).toBe('False/Invalid');
    expect(configOf(r).ports).toEqual([]);
  });

  test('a ReferenceGrant allows a certificate in another namespace; removing it revokes', () => {
    const grant = referenceGrant('allow-gw', 'certs', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], [{ group: '', kind: 'Secret' }]);
    const objs = [gateway('gw', [https('https', undefined, [{ name: 'cert', namespace: 'certs' }])]), tlsSecret('cert', 'certs')];
    const granted = compileAll([...objs, grant]);
    expect(listenerCond(granted, 'gw', 'https', 'ResolvedRefs')).toBe('True/ResolvedRefs');
    expect(configOf(granted).ports[0].listeners[0].tls).toEqual({ mode: 'Terminate', certificates: [{ namespace: 'certs', name: 'cert' }] });
    expect(listenerCond(compileAll(objs), 'gw', 'https', 'ResolvedRefs')).toBe('False/RefNotPermitted');
  });

  test('a ReferenceGrant for a specific Secret name does not allow another', () => {
    const grant = referenceGrant('allow-one', 'certs', [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }], [{ group: '', kind: 'Secret', name: 'other' }]);
    const r = compileAll([gateway('gw', [https('https', undefined, [{ name: 'cert', namespace: 'certs' }])]), tlsSecret('cert', 'certs'), grant]);
    expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe('False/RefNotPermitted');
  });

  test('with references mode "namespace", a Secret of a namespace absent from the manifests is assumed, with a warning', () => {
    const r = compileAll([gateway('gw', [https('https')])], { references: 'namespace' });
    expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe('True/ResolvedRefs');
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/Secret infra\/cert is not in the manifests.*assumed to exist/) })]);
  });
});

describe('client certificate validation (spec.tls.frontend)', () => {
  const frontend = (refs: Record<string, unknown>[], mode?: string) => ({
    tls: { frontend: { default: { validation: { caCertificateRefs: refs, mode } } } },
  });

  test('valid CA refs configure the HTTPS port', () => {
    const r = compileAll([gateway('gw', [https('https')], { spec: frontend([{ group: '', kind: 'ConfigMap', name: 'ca' }]) }), tlsSecret('cert'), caConfigMap('ca')]);
    expect(configOf(r).ports[0].frontendValidation).toEqual({ caBundles: [{ kind: 'ConfigMap', namespace: 'infra', name: 'ca', key: 'ca.crt' }], mode: 'AllowValidOnly' });
  });

  test.each([
    ['a missing ConfigMap', { group: '', kind: 'ConfigMap', name: 'nope' }, 'False/InvalidCACertificateRef'],
    ['an unsupported kind', { group: '', kind: 'Pod', name: 'ca' }, 'False/InvalidCACertificateKind'],
    ['another namespace without grant', { group: '', kind: 'ConfigMap', name: 'ca', namespace: 'other' }, 'False/RefNotPermitted'],
  ])('%s: ResolvedRefs %s and, with no valid CA left, Accepted False NoValidCACertificate', (_n, ref, resolved) => {
    const r = compileAll([gateway('gw', [https('https')], { spec: frontend([ref]) }), tlsSecret('cert'), caConfigMap('ca', 'other')]);
    expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe(resolved);
    expect(listenerCond(r, 'gw', 'https', 'Accepted')).toBe('False/NoValidCACertificate');
  });

  describe('a synthesized dist/: the data plane\'s own objects are not the user\'s', () => {
    // what cdk8s synth writes next to the Gateway: ConfigMaps and a Service labelled managed-by cdk8s-gateway
    const own = (kind: string, name: string) => ({
      apiVersion: 'v1',
      kind,
      metadata: { name, namespace: 'infra', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-gateway', 'app.kubernetes.io/component': 'dataplane' } },
      ...(kind === 'Service' ? { spec: { ports: [{ port: 80 }] } } : { data: { 'boot.js': '' } }),
    });
    const withCa = (...extra: Record<string, unknown>[]) =>
      compileAll([gateway('gw', [https('https')], { spec: frontend([{ group: '', kind: 'ConfigMap', name: 'client-ca' }]) }), tlsSecret('cert'), ...extra],
        { references: 'namespace' });

    test('a CA ConfigMap created outside the app is assumed to exist although the data plane\'s ConfigMaps live in its namespace', () => {
      const r = withCa(own('ConfigMap', 'gw-dataplane-bundle'), own('ConfigMap', 'gw-dataplane-config'), own('Service', 'gw-dataplane'));
      expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe('True/ResolvedRefs');
      expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/ConfigMap infra\/client-ca is not in the manifests.*assumed to exist/) })]);
    });

    test('while one of the user\'s ConfigMaps there still makes a missing one an error', () => {
      const r = withCa(own('ConfigMap', 'gw-dataplane-bundle'), caConfigMap('other-ca'));
      expect(listenerCond(r, 'gw', 'https', 'ResolvedRefs')).toBe('False/InvalidCACertificateRef');
    });
  });

  test('AllowInsecureFallback sets InsecureFrontendValidationMode on the Gateway', () => {
    const spec = frontend([{ group: '', kind: 'ConfigMap', name: 'ca' }], 'AllowInsecureFallback');
    const r = compileAll([gateway('gw', [https('https')], { spec }), tlsSecret('cert'), caConfigMap('ca')]);
    expect(cond(statusOf(r, 'Gateway', 'gw').conditions, 'InsecureFrontendValidationMode')).toBe('True/ConfigurationChanged');
  });
});
