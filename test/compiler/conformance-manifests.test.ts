import { readdirSync } from 'node:fs';
import { cond, where } from './fixtures';
import { CompileResult, findStatus } from '../../src/compiler';
import { compileConformance, CONFORMANCE_NS, conformanceManifestsPresent } from '../support/conformance';
import { conformanceManifestsDir } from '../support/shared-data';

/**
 * The upstream Gateway API conformance manifests (v1.6.x) as compiler input: every file compiles, and the
 * conditions and routing the conformance tests expect hold for a representative set.
 */
const DIR = conformanceManifestsDir();
const present = conformanceManifestsPresent();
if (!present) console.log(`conformance manifests not found at ${DIR}: conformance-manifests tests skipped (set GATEWAY_API_CONFORMANCE_MANIFESTS)`);
const maybe = present ? describe : describe.skip;

const NS = CONFORMANCE_NS;

const cache = new Map<string, CompileResult>();
function compileFile(file: string): CompileResult {
  let r = cache.get(file);
  if (!r) {
    r = compileConformance(file);
    cache.set(file, r);
  }
  return r;
}

function gwListener(r: CompileResult, gw: string, listener: string, type: string, kind = 'Gateway'): string | undefined {
  const s = findStatus(r.status, kind, NS, gw);
  return cond(s?.listeners?.find((l) => l.name === listener)?.conditions, type);
}

function parent(r: CompileResult, kind: string, name: string, type: string, gw?: string, ns = NS): string | undefined {
  const s = findStatus(r.status, kind, ns, name);
  const p = gw ? s?.parents?.find((x) => x.parentRef.name === gw) : s?.parents?.[0];
  return cond(p?.conditions, type);
}

maybe('Gateway API conformance manifests', () => {
  const files = present ? readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'manifests.yaml') : [];

  test.each(files)('%s compiles; every Gateway and route parent has Accepted and ResolvedRefs', (file) => {
    const r = compileFile(file);
    for (const s of r.status) {
      if (s.kind === 'Gateway') {
        expect(cond(s.conditions, 'Accepted')).toBeDefined();
        expect(cond(s.conditions, 'Programmed')).toBeDefined();
      }
      for (const p of s.parents ?? []) {
        expect(cond(p.conditions, 'Accepted')).toBeDefined();
        expect(cond(p.conditions, 'ResolvedRefs')).toBeDefined();
      }
    }
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test.each([
    ['gateway-invalid-route-kind.yaml', 'gateway-only-invalid-route-kind', 'http', 'ResolvedRefs', 'False/InvalidRouteKinds'],
    ['gateway-invalid-route-kind.yaml', 'gateway-supported-and-invalid-route-kind', 'http', 'ResolvedRefs', 'False/InvalidRouteKinds'],
    ['gateway-invalid-tls-configuration.yaml', 'gateway-certificate-nonexistent-secret', 'https', 'ResolvedRefs', 'False/InvalidCertificateRef'],
    ['gateway-invalid-tls-configuration.yaml', 'gateway-certificate-unsupported-group', 'https', 'ResolvedRefs', 'False/InvalidCertificateRef'],
    ['gateway-invalid-tls-configuration.yaml', 'gateway-certificate-unsupported-kind', 'https', 'ResolvedRefs', 'False/InvalidCertificateRef'],
    ['gateway-invalid-tls-configuration.yaml', 'gateway-certificate-malformed-secret', 'https', 'ResolvedRefs', 'False/InvalidCertificateRef'],
    ['gateway-invalid-listeners-unsupported-protocol.yaml', 'gateway-supported-and-unsupported-protocols', 'invalid', 'Accepted', 'False/UnsupportedProtocol'],
    ['gateway-secret-missing-reference-grant.yaml', 'gateway-secret-missing-reference-grant', 'https', 'ResolvedRefs', 'False/RefNotPermitted'],
    ['gateway-secret-invalid-reference-grant.yaml', 'gateway-secret-invalid-reference-grant', 'https', 'ResolvedRefs', 'False/RefNotPermitted'],
    ['gateway-secret-reference-grant-specific.yaml', 'gateway-secret-reference-grant-specific', 'https', 'ResolvedRefs', 'True/ResolvedRefs'],
    ['gateway-secret-reference-grant-all-in-namespace.yaml', 'gateway-secret-reference-grant-all-in-namespace', 'https', 'ResolvedRefs', 'True/ResolvedRefs'],
    ['gateway-with-invalid-clientcertificate-validation.yaml', 'gateway-with-invalid-client-cert-validation', 'https-invalid-kind', 'ResolvedRefs', 'False/InvalidCACertificateKind'],
    ['gateway-with-invalid-clientcertificate-validation.yaml', 'gateway-with-invalid-client-cert-validation', 'https-grant-missing', 'ResolvedRefs', 'False/RefNotPermitted'],
    ['gateway-with-clientcertificate-validation.yaml', 'client-validation-default', 'https', 'Accepted', 'True/Accepted'],
  ])('%s: Gateway %s listener %s has %s %s', (file, gw, listener, type, expected) => {
    expect(gwListener(compileFile(file), gw, listener, type)).toBe(expected);
  });

  test.each([
    ['gateway-invalid-parameters-ref.yaml', 'gateway-invalid-parameters-ref', 'Accepted', 'False/InvalidParameters'],
    ['gateway-invalid-listeners-unsupported-protocol.yaml', 'gateway-only-unsupported-protocols', 'Accepted', 'False/ListenersNotValid'],
    ['gateway-invalid-tls-backend-configuration.yaml', 'gateway-client-certificate-nonexistent-secret', 'ResolvedRefs', 'False/InvalidClientCertificateRef'],
    ['gateway-invalid-tls-backend-configuration.yaml', 'gateway-client-certificate-missing-reference-grant', 'ResolvedRefs', 'False/RefNotPermitted'],
    ['gateway-name-maximum-length.yaml', `gateway-name-maximum-length-${'a'.repeat(253 - 28)}`, 'Accepted', 'True/Accepted'],
  ])('%s: Gateway %s has %s %s', (file, gw, type, expected) => {
    const s = findStatus(compileFile(file).status, 'Gateway', NS, gw);
    expect(s && cond(s.conditions, type)).toBe(expected);
  });

  test.each([
    ['httproute-invalid-cross-namespace-parent-ref.yaml', 'HTTPRoute', 'invalid-cross-namespace-parent-ref', 'gateway-conformance-web-backend', 'Accepted', 'False/NotAllowedByListeners'],
    ['httproute-invalid-parentref-not-matching-section-name.yaml', 'HTTPRoute', 'httproute-listener-not-matching-section-name', NS, 'Accepted', 'False/NoMatchingParent'],
    ['httproute-invalid-parentref-not-matching-listener-port.yaml', 'HTTPRoute', 'httproute-listener-not-matching-route-port', NS, 'Accepted', 'False/NoMatchingParent'],
    ['httproute-hostname-intersection.yaml', 'HTTPRoute', 'no-intersecting-hosts', NS, 'Accepted', 'False/NoMatchingListenerHostname'],
    ['httproute-hostname-intersection.yaml', 'HTTPRoute', 'wildcard-host-matches-listener-specific-host', NS, 'Accepted', 'True/Accepted'],
    ['httproute-invalid-nonexistent-backendref.yaml', 'HTTPRoute', 'invalid-nonexistent-backend-ref', NS, 'ResolvedRefs', 'False/BackendNotFound'],
    ['httproute-invalid-backendref-unknown-kind.yaml', 'HTTPRoute', 'invalid-backend-ref-unknown-kind', NS, 'ResolvedRefs', 'False/InvalidKind'],
    ['httproute-invalid-cross-namespace-backend-ref.yaml', 'HTTPRoute', 'invalid-cross-namespace-backend-ref', NS, 'ResolvedRefs', 'False/RefNotPermitted'],
    ['httproute-partially-invalid-via-invalid-reference-grant.yaml', 'HTTPRoute', 'invalid-reference-grant', NS, 'Accepted', 'True/Accepted'],
    ['httproute-partially-invalid-via-invalid-reference-grant.yaml', 'HTTPRoute', 'invalid-reference-grant', NS, 'ResolvedRefs', 'False/RefNotPermitted'],
    ['httproute-reference-grant.yaml', 'HTTPRoute', 'reference-grant', NS, 'ResolvedRefs', 'True/ResolvedRefs'],
    ['httproute-disallowed-kind.yaml', 'HTTPRoute', 'disallowed-kind', NS, 'Accepted', 'False/NotAllowedByListeners'],
    ['tlsroute-invalid-no-matching-listener-hostname.yaml', 'TLSRoute', 'tlsroute-hostname-mismatch-1', NS, 'Accepted', 'False/NoMatchingListenerHostname'],
    ['tlsroute-invalid-backendref-unknown-kind.yaml', 'TLSRoute', 'invalid-backend-ref-unknown-kind', NS, 'ResolvedRefs', 'False/InvalidKind'],
    ['udproute-not-allowed-by-listeners.yaml', 'UDPRoute', 'udproute-not-allowed-by-listeners', NS, 'Accepted', 'False/NotAllowedByListeners'],
    ['tcproute-invalid-cross-namespace-backend-ref.yaml', 'TCPRoute', 'tcp-invalid-cross-namespace-backend-ref', NS, 'ResolvedRefs', 'False/RefNotPermitted'],
  ])('%s: %s %s has %s %s', (file, kind, name, ns, type, expected) => {
    expect(parent(compileFile(file), kind, name, type, undefined, ns)).toBe(expected);
  });

  test('gateway-with-attached-routes: attachedRoutes counts accepted routes only', () => {
    const r = compileFile('gateway-with-attached-routes.yaml');
    const attached = (gw: string) => findStatus(r.status, 'Gateway', NS, gw)!.listeners!.map((l) => l.attachedRoutes);
    expect(attached('gateway-with-one-attached-route')).toEqual([1]);
    expect(attached('gateway-with-two-attached-routes')).toEqual([2]);
  });

  test('listenerset-hostname-conflict: later listeners with a used port and hostname lose, sets with nothing left are not accepted', () => {
    const r = compileFile('listenerset-hostname-conflict.yaml');
    const ls = (name: string) => findStatus(r.status, 'ListenerSet', NS, name)!;
    const l = (set: string, name: string, type: string) => cond(ls(set).listeners!.find((x) => x.name === name)!.conditions, type);
    expect(cond(ls('listenerset-with-hostname-conflict-with-gateway-1').conditions, 'Accepted')).toMatch(/^True/);
    expect(l('listenerset-with-hostname-conflict-with-gateway-1', 'hostname-conflict-with-gateway-listener', 'Conflicted')).toBe('True/HostnameConflict');
    expect(l('listenerset-with-hostname-conflict-with-gateway-1', 'hostname-conflict-with-gateway-listener', 'Accepted')).toBe('False/HostnameConflict');
    expect(l('listenerset-with-hostname-conflict-with-gateway-1', 'hostname-conflict-with-listener-set-listener', 'Accepted')).toBe('True/Accepted');
    expect(cond(ls('listenerset-with-hostname-conflict-with-gateway-2').conditions, 'Accepted')).toBe('False/ListenersNotValid');
    expect(cond(ls('listenerset-with-hostname-conflict-with-gateway-2').conditions, 'Programmed')).toBe('False/ListenersNotValid');
    expect(l('listenerset-with-hostname-conflict-with-listener-set-1', 'hostname-conflict-with-listener-set-listener', 'Conflicted')).toBe('True/HostnameConflict');
    expect(cond(ls('listenerset-with-hostname-conflict-with-listener-set-2').conditions, 'Accepted')).toBe('False/ListenersNotValid');
    expect(findStatus(r.status, 'Gateway', NS, 'gateway-with-listenerset-hostname-conflict')!.attachedListenerSets).toBe(2);
  });

  test('listenerset-protocol-conflict: a TCP listener on a port the Gateway serves over HTTP is ProtocolConflict', () => {
    const r = compileFile('listenerset-protocol-conflict.yaml');
    expect(gwListener(r, 'listenerset-with-protocol-conflict-with-gateway-1', 'protocol-conflict-with-gateway-listener', 'Conflicted', 'ListenerSet')).toBe('True/ProtocolConflict');
    expect(gwListener(r, 'listenerset-with-protocol-conflict-with-gateway-1', 'listener-set-1-listener', 'Accepted', 'ListenerSet')).toBe('True/Accepted');
  });

  test('listenerset-reference-grant: a ListenerSet whose only listener is RefNotPermitted is Accepted and Programmed False ListenersNotValid', () => {
    const r = compileFile('listenerset-reference-grant.yaml');
    const granted = findStatus(r.status, 'ListenerSet', NS, 'listenerset-with-reference-grant')!;
    expect(cond(granted.conditions, 'Accepted')).toMatch(/^True\//);
    expect(cond(granted.conditions, 'Programmed')).toMatch(/^True\//);
    expect(cond(granted.listeners![0].conditions, 'ResolvedRefs')).toBe('True/ResolvedRefs');
    const denied = findStatus(r.status, 'ListenerSet', 'gateway-api-listener-sets-test-reference-grant-ns', 'listenerset-without-reference-grant')!;
    expect(cond(denied.conditions, 'Accepted')).toBe('False/ListenersNotValid');
    expect(cond(denied.conditions, 'Programmed')).toBe('False/ListenersNotValid');
    expect(cond(denied.listeners![0].conditions, 'ResolvedRefs')).toBe('False/RefNotPermitted');
    expect(cond(findStatus(r.status, 'Gateway', NS, 'gateway-with-listener-sets-test-reference-grant')!.conditions, 'Accepted')).toMatch(/^True\//);
  });

  test('listenerset-protocol-conflict and -hostname-conflict: a set with a conflicted and a valid listener is Programmed True ListenersNotValid', () => {
    const r = compileFile('listenerset-protocol-conflict.yaml');
    const s = findStatus(r.status, 'ListenerSet', NS, 'listenerset-with-protocol-conflict-with-gateway-1')!;
    expect(cond(s.conditions, 'Accepted')).toBe('True/ListenersNotValid');
    expect(cond(s.conditions, 'Programmed')).toBe('True/ListenersNotValid');
  });

  test('listenerset-allowed-namespace-none: a Gateway that allows no ListenerSets refuses them (NotAllowed)', () => {
    const s = findStatus(compileFile('listenerset-allowed-namespace-none.yaml').status, 'ListenerSet', NS, 'listenerset-not-allowed')!;
    expect(cond(s.conditions, 'Accepted')).toBe('False/NotAllowed');
  });

  test('backendtlspolicy-conflict-resolution: the first policy by name wins a target, the other is Conflicted', () => {
    const r = compileFile('backendtlspolicy-conflict-resolution.yaml');
    const accepted = (name: string) => cond(findStatus(r.status, 'BackendTLSPolicy', NS, name)!.ancestors![0].conditions, 'Accepted');
    expect(accepted('conflicted-without-section-name-1')).toBe('True/Accepted');
    expect(accepted('conflicted-without-section-name-2')).toBe('False/Conflicted');
    expect(accepted('conflicted-with-section-name-1')).toBe('True/Accepted');
    expect(accepted('conflicted-with-section-name-2')).toBe('False/Conflicted');
    expect(accepted('not-conflicted-with-section-name')).toBe('True/Accepted');
    expect(accepted('not-conflicted-without-section-name')).toBe('True/Accepted');
  });

  test.each([
    // file, gateway, method, url, headers, expected route#rule
    ['httproute-matching.yaml', 'same-namespace', 'GET', 'http://x/', {}, 'matching#0'],
    ['httproute-matching.yaml', 'same-namespace', 'GET', 'http://x/example', {}, 'matching#0'],
    ['httproute-matching.yaml', 'same-namespace', 'GET', 'http://x/v2', {}, 'matching#1'],
    ['httproute-matching.yaml', 'same-namespace', 'GET', 'http://x/v2/example', {}, 'matching#1'],
    ['httproute-matching.yaml', 'same-namespace', 'GET', 'http://x/', { version: 'two' }, 'matching#1'],
    ['httproute-exact-path-matching.yaml', 'same-namespace', 'GET', 'http://x/one', {}, 'exact-matching#0'],
    ['httproute-exact-path-matching.yaml', 'same-namespace', 'GET', 'http://x/one/example', {}, '404'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://bar.com/empty-hostname', {}, 'attaches-to-empty-hostname#0'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://bar.com/wildcard-example-com', {}, '404'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://foo.example.com/wildcard-example-com', {}, 'attaches-to-wildcard-example-com#0'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://foo.example.com/empty-hostname', {}, '404'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://x.foo.example.com/wildcard-foo-example-com', {}, 'attaches-to-wildcard-foo-example-com#0'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://abc.foo.example.com/abc-foo-example-com', {}, 'attaches-to-abc-foo-example-com#0'],
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', 'GET', 'http://abc.foo.example.com/wildcard-foo-example-com', {}, '404'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://very.specific.com/s1', {}, 'specific-host-matches-listener-specific-host#0'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://non.matching.com/s1', {}, '404'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://foo.bar.wildcard.io/s2', {}, 'specific-host-matches-listener-wildcard-host#0'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://wildcard.io/s2', {}, '404'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://very.specific.com/s3', {}, 'wildcard-host-matches-listener-specific-host#0'],
    ['httproute-hostname-intersection.yaml', 'httproute-hostname-intersection', 'GET', 'http://foo.anotherwildcard.io/s4', {}, 'wildcard-host-matches-listener-wildcard-host#0'],
  ] as [string, string, string, string, Record<string, string>, string][])('%s: %s %s %s %j goes to %s', (file, gw, method, url, headers, expected) => {
    expect(where(compileFile(file), method, url, headers, gw, NS)).toBe(expected);
  });
});
