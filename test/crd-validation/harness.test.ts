/**
 * The harness itself: it accepts what upstream's conformance suite applies, and it rejects what the API
 * server rejects, with the CRD's own messages. Without these the "examples validate" tests could not fail.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeWithCrds } from './crd-validator';
import { conformanceManifestsDir } from '../support/shared-data';

const conformanceDir = conformanceManifestsDir();

function httpRoute(spec: any): any {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns' }, spec };
}

function gateway(listeners: any[], extra: any = {}): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'g', namespace: 'ns' },
    spec: { gatewayClassName: 'c', listeners, ...extra },
  };
}

const backend = { name: 'svc', port: 80 };

describeWithCrds('CRD validation harness', (validator) => {
  const v = validator;

  test('every CEL rule of the v1.6.1 CRDs compiles', () => {
    const s = v.stats();
    expect(s.compiled).toBeGreaterThan(300);
    expect(s.unsupported.filter((u) => u.reason.startsWith('does not compile'))).toEqual([]);
  });

  (existsSync(conformanceDir) ? test : test.skip)('accepts every Gateway API object of the upstream conformance manifests', () => {
    const errors: string[] = [];
    let count = 0;
    for (const f of readdirSync(conformanceDir).filter((n) => n.endsWith('.yaml')).sort()) {
      const text = readFileSync(join(conformanceDir, f), 'utf8').replace(/\{GATEWAY_CLASS_NAME\}/g, 'conformance')
        .replace(/\{GATEWAY_CONTROLLER_NAME\}/g, 'example.com/conformance');
      for (const doc of parseAllDocuments(text)) {
        const obj = doc.toJSON();
        if (!v.handles(obj)) continue;
        count++;
        errors.push(...v.validate(obj).map((e) => `${f}: ${e}`));
      }
    }
    expect(count).toBeGreaterThan(300);
    expect(errors).toEqual([]);
  });

  test('rejects an HTTPRoute path that does not start with "/" with the CRD message', () => {
    const errors = v.validate(httpRoute({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }] }));
    expect(errors).toContainEqual(expect.stringContaining("value must be an absolute path and start with '/'"));
  });

  test('applies CRD defaults before CEL: a rule without matches counts as one match', () => {
    const rules = Array.from({ length: 16 }, () => ({ backendRefs: [backend] }));
    expect(v.validate(httpRoute({ rules }))).toEqual([]);
  });

  test('rejects more than 128 matches across the rules of an HTTPRoute', () => {
    const matches = Array.from({ length: 64 }, (_, i) => ({ path: { type: 'Exact', value: `/p${i}` } }));
    const errors = v.validate(httpRoute({ rules: [{ matches }, { matches }, { matches: [matches[0]] }] }));
    expect(errors).toContainEqual(expect.stringContaining('the total number of matches across all rules in a route must be less than 128'));
  });

  test('rejects a redirect next to backendRefs', () => {
    const errors = v.validate(httpRoute({
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }], backendRefs: [backend] }],
    }));
    expect(errors).toContainEqual(expect.stringContaining('RequestRedirect filter must not be used together with backendRefs'));
  });

  test('rejects ReplacePrefixMatch unless the rule has exactly one PathPrefix match (has() after an index)', () => {
    const rewrite = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } };
    const ok = httpRoute({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], filters: [rewrite], backendRefs: [backend] }] });
    const bad = httpRoute({ rules: [{ matches: [{ path: { type: 'Exact', value: '/v1' } }], filters: [rewrite], backendRefs: [backend] }] });
    expect(v.validate(ok)).toEqual([]);
    expect(v.validate(bad)).toContainEqual(expect.stringContaining('When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'));
  });

  test('rejects a backendRequest timeout longer than the request timeout (duration())', () => {
    const errors = v.validate(httpRoute({ rules: [{ timeouts: { request: '1s', backendRequest: '2s' }, backendRefs: [backend] }] }));
    expect(errors).toContainEqual(expect.stringContaining('backendRequest timeout cannot be longer than request timeout'));
    expect(v.validate(httpRoute({ rules: [{ timeouts: { request: '0s', backendRequest: '2s' }, backendRefs: [backend] }] }))).toEqual([]);
  });

  test('rejects duplicate parentRefs with the same sectionName (escaped `namespace` property)', () => {
    const parent = { name: 'g', namespace: 'infra', sectionName: 'web' };
    const errors = v.validate(httpRoute({ parentRefs: [parent, parent] }));
    expect(errors).toContainEqual(expect.stringContaining('sectionName or port must be unique'));
  });

  test('rejects duplicate listener names and tls on an HTTP listener', () => {
    const errors = v.validate(gateway([
      { name: 'web', port: 80, protocol: 'HTTP', tls: { certificateRefs: [{ name: 'c' }] } },
      { name: 'web', port: 81, protocol: 'HTTP' },
    ]));
    expect(errors).toContainEqual(expect.stringContaining('Listener name must be unique within the Gateway'));
    expect(errors).toContainEqual(expect.stringContaining("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"));
  });

  test('rejects unknown fields, as strict field validation does', () => {
    const errors = v.validate(httpRoute({ rules: [{ backendRefs: [{ ...backend, wieght: 3 }] }] }));
    expect(errors).toContainEqual(expect.stringContaining('must NOT have additional properties (wieght)'));
  });

  test('rejects a TLSRoute hostname that is an IP address (isIP)', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name: 't', namespace: 'ns' },
      spec: { hostnames: ['10.0.0.1'], rules: [{ backendRefs: [backend] }] },
    };
    expect(v.validate(route)).toContainEqual(expect.stringContaining('Hostnames cannot contain an IP'));
  });

  test('evaluates the case-insensitive RE2 service rule of GRPCRoute', () => {
    const grpc = (service: string): any => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'g', namespace: 'ns' },
      spec: { rules: [{ matches: [{ method: { service, method: 'Get' } }], backendRefs: [backend] }] },
    });
    expect(v.validate(grpc('Pkg.Service'))).toEqual([]);
    expect(v.validate(grpc('pkg/service'))).toContainEqual(expect.stringContaining('service must only contain valid characters'));
  });

  test('rejects duplicate header names in a map-type list', () => {
    const errors = v.validate(httpRoute({ rules: [{ matches: [{ headers: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }], backendRefs: [backend] }] }));
    expect(errors).toContainEqual(expect.stringContaining('Duplicate value'));
  });

  test('rejects experimental fields on the standard channel', () => {
    if (!v.channels.includes('standard')) return;
    const route = httpRoute({ rules: [{ retry: { attempts: 2 }, backendRefs: [backend] }] });
    expect(v.validate(route, 'experimental')).toEqual([]);
    expect(v.validate(route, 'standard')).toContainEqual(expect.stringContaining('must NOT have additional properties (retry)'));
  });

  test('rejects an invalid object name', () => {
    const route = httpRoute({});
    route.metadata.name = 'Not_Valid';
    expect(v.validate(route)).toContainEqual(expect.stringContaining('must be a DNS subdomain'));
  });
});
