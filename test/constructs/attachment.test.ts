/** Synth-time cross-object checks: a route must be able to attach where it says, and reach what it names. */
import { Chart } from 'cdk8s';
import { find, fixture, synth } from './fixture';
import {
  AllowedRoutes, Backend, Gateway, GatewayClass, HttpFilter, HttpMatch, HttpRoute, Listener, ReferenceGrant, TcpRoute,
} from '../../src';

const api = Backend.fromServiceName('api', { port: 8080 });

/** A route in the Gateway's own namespace (the default allowedRoutes admits it). */
function local() {
  const f = fixture();
  const chart = new Chart(f.app, 'local', { namespace: 'gateway-system' });
  return { ...f, chart };
}

describe('parentRefs', () => {
  test('a sectionName that names no listener is a synth error listing the listeners', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'webb' }], rules: [{ backends: [api] }] });
    expect(() => synth(app)).toThrow(
      /\[local\/r\] HttpRoute: parentRefs\[0\].sectionName "webb" is not a listener of Gateway gateway-system\/edge \(listeners: web, websecure\)/);
  });

  test('a port that matches no listener is a synth error', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'web', port: 8080 }], rules: [{ backends: [api] }] });
    expect(() => synth(app)).toThrow(/parentRefs\[0\].port 8080 matches no listener of Gateway gateway-system\/edge named "web" \(web: HTTP\/80\)/);
  });

  test('a route kind the listener does not carry is a synth error', () => {
    const { app, chart, gateway } = local();
    new TcpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'web' }], backends: [api] });
    expect(() => synth(app)).toThrow(/TcpRoute: parentRefs\[0\]: no listener of Gateway gateway-system\/edge accepts TCPRoute \(web accepts HTTPRoute, GRPCRoute\)/);
  });

  test('hostnames that intersect no listener hostname are a synth error; wildcards intersect', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'ok', { parentRefs: [{ parent: gateway, sectionName: 'websecure' }], hostnames: ['*.shop.example.com'], rules: [{ backends: [api] }] });
    new HttpRoute(chart, 'bad', { parentRefs: [{ parent: gateway, sectionName: 'websecure' }], hostnames: ['example.com', 'shop.example.org'], rules: [{ backends: [api] }] });
    const error = () => synth(app);
    expect(error).toThrow(/\[local\/bad\] HttpRoute: parentRefs\[0\]: hostnames \["example.com", "shop.example.org"\] match no hostname of the listeners of Gateway gateway-system\/edge \(websecure: HTTPS\/443 \*.example.com\)/);
    expect(error).not.toThrow(/local\/ok/);
  });

  test('a route from another namespace is refused by a Same-namespace listener, admitted by an All listener', () => {
    const { app, platform, chart } = fixture();
    const gw = new Gateway(platform, 'open', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'same', port: 80 }), Listener.http({ name: 'all', port: 81, allowedRoutes: AllowedRoutes.allNamespaces() })],
    });
    new HttpRoute(chart, 'refused', { parentRefs: [{ parent: gw, sectionName: 'same' }], rules: [{ backends: [api] }] });
    new HttpRoute(chart, 'admitted', { parentRefs: [{ parent: gw, sectionName: 'all' }], rules: [{ backends: [api] }] });
    expect(() => synth(app)).toThrow(/\[shop\/refused\] HttpRoute: parentRefs\[0\]: no listener of Gateway gateway-system\/open admits HTTPRoute from namespace "shop" \(same: admits routes from its Gateway's namespace "gateway-system" only\)/);
    expect(() => synth(app)).not.toThrow(/admitted/);
  });

  test('a listener admitting named namespaces refuses the others', () => {
    const { app, platform, chart } = fixture();
    const gw = new Gateway(platform, 'named', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.fromNamespaces(['blog']) })],
    });
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: gw }], rules: [{ backends: [api] }] });
    expect(() => synth(app)).toThrow(/web: admits routes from namespaces blog only/);
  });

  test('a Gateway referenced by name renders its namespace and is not checked', () => {
    const { app, chart } = fixture();
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: Gateway.fromGatewayName('other', 'infra'), sectionName: 'anything' }], rules: [{ backends: [api] }] });
    expect(find(synth(app), 'HTTPRoute', 'r').spec.parentRefs).toEqual([{ name: 'other', namespace: 'infra', sectionName: 'anything' }]);
  });

  test('refs to one parent must agree on sectionName and be unique, as the CRD requires', () => {
    const { chart, gateway } = local();
    const r = new HttpRoute(chart, 'r', { parentRefs: [{ parent: gateway, sectionName: 'web' }] });
    expect(() => r.addParentRef({ parent: gateway })).toThrow(
      /HttpRoute local\/r: parentRefs\[1\]: Gateway gateway-system\/edge is already a parent; refs to the same parent must all set sectionName \(or port\), or none may/);
    expect(() => r.addParentRef({ parent: gateway, sectionName: 'web' })).toThrow(/parentRefs\[1\]: Gateway gateway-system\/edge section "web" is already a parent of this route/);
  });
});

describe('cross-namespace references', () => {
  test('a backend in another namespace without a ReferenceGrant is a synth error naming the fix', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: gateway }], rules: [{ backends: [Backend.fromServiceName('pay', { port: 80, namespace: 'payments' })] }] });
    expect(() => synth(app)).toThrow(/\[local\/r\] HttpRoute: rules\[0\].backends\[0\] refers to Service "payments\/pay" in another namespace without a ReferenceGrant; add a ReferenceGrant in namespace "payments" from HTTPRoute in "gateway-system" to Service "pay"/);
  });

  test('a ReferenceGrant in the target namespace makes it valid, but only for what it names', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'r', { parentRefs: [{ parent: gateway }], rules: [{ backends: [Backend.fromServiceName('pay', { port: 80, namespace: 'payments' })] }] });
    const grant = new ReferenceGrant(chart, 'grant', {
      metadata: { namespace: 'payments' },
      from: [{ kind: 'HTTPRoute', namespace: 'gateway-system' }],
      to: [{ kind: 'Service', name: 'other' }],
    });
    expect(() => synth(app)).toThrow(/refers to Service "payments\/pay"/);
    grant.addTo({ kind: 'Service', name: 'pay' });
    expect(() => synth(app)).not.toThrow();
    expect(find(synth(app), 'ReferenceGrant', 'grant', 'payments').spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateway-system' }],
      to: [{ group: '', kind: 'Service', name: 'other' }, { group: '', kind: 'Service', name: 'pay' }],
    });
  });

  test('a mirror target in another namespace needs a grant too', () => {
    const { app, chart, gateway } = local();
    new HttpRoute(chart, 'r', {
      parentRefs: [{ parent: gateway }],
      rules: [{ filters: [HttpFilter.mirror(Backend.fromServiceName('shadow', { port: 80, namespace: 'qa' }))], backends: [api] }],
    });
    expect(() => synth(app)).toThrow(/rules\[0\].filters\[0\] refers to Service "qa\/shadow" in another namespace without a ReferenceGrant/);
  });

  test('an ExternalAuth server in another namespace needs a grant, on the rule and on a backendRef', () => {
    // GIVEN an auth Service in the security namespace, asked by a rule and by one backend
    const { app, chart, gateway } = local();
    const authz = Backend.fromServiceName('authz', { port: 9001, namespace: 'security' });
    new HttpRoute(chart, 'r', {
      parentRefs: [{ parent: gateway }],
      rules: [
        { filters: [HttpFilter.externalAuthHttp(authz)], backends: [api] },
        { matches: [HttpMatch.pathPrefix('/admin')], backends: [Backend.fromServiceName('api', { port: 8080, filters: [HttpFilter.externalAuthGrpc(authz)] })] },
      ],
    });

    // THEN without a grant both references are refused
    expect(() => synth(app)).toThrow(/rules\[0\].filters\[0\] refers to Service "security\/authz" in another namespace without a ReferenceGrant/);
    expect(() => synth(app)).toThrow(/rules\[1\].backends\[0\].filters\[0\] refers to Service "security\/authz"/);

    // WHEN the security namespace grants it, the route renders the namespaced backendRef
    new ReferenceGrant(chart, 'grant', { metadata: { namespace: 'security' }, from: [{ kind: 'HTTPRoute', namespace: 'gateway-system' }], to: [{ kind: 'Service', name: 'authz' }] });
    const rules = find(synth(app), 'HTTPRoute', 'r').spec.rules;
    expect(rules[0].filters[0].externalAuth.backendRef).toEqual({ name: 'authz', namespace: 'security', port: 9001 });
    expect(rules[1].backendRefs[0].filters[0].externalAuth).toEqual({ protocol: 'GRPC', backendRef: { name: 'authz', namespace: 'security', port: 9001 }, grpc: {} });
  });

  test('a ReferenceGrant checks its entries', () => {
    const { chart } = local();
    expect(() => new ReferenceGrant(chart, 'g', { from: [{ kind: 'HTTPRoute', namespace: 'Shop' }], to: [{ kind: 'Service' }] })).toThrow(
      /ReferenceGrant local\/g: from\[0\].namespace "Shop" must be a DNS label/);
  });
});
