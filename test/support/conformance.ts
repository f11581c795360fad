/**
 * The upstream Gateway API conformance manifests (`conformance/base/manifests.yaml` and `conformance/tests/*.yaml`),
 * read where shared-data.ts finds them, never copied into the repository. Tests compile them as they are (with the
 * GatewayClass placeholder filled in) and, for the end-to-end ones, serve a Gateway of them with its backends mapped
 * to local servers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { conformanceManifestsDir } from './shared-data';
import { compile, CompileResult } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { caConfigMap, gatewayClass, tlsSecret } from '../compiler/fixtures';

/** The namespace the suite puts its Gateways, routes and infra backends in. */
export const CONFORMANCE_NS = 'gateway-conformance-infra';

/** True when the manifests are present (else the tests that read them are skipped). */
export function conformanceManifestsPresent(): boolean {
  return existsSync(join(conformanceManifestsDir(), 'manifests.yaml'));
}

/** The objects of one manifest file, `{GATEWAY_CLASS_NAME}` replaced by `node` (the class gatewayClass() declares). */
export function loadConformanceManifest(file: string): unknown[] {
  return parseAllDocuments(readFileSync(join(conformanceManifestsDir(), file), 'utf8').replace(/\{GATEWAY_CLASS_NAME\}/g, 'node'))
    .map((d) => d.toJS() as unknown)
    .filter((v) => v !== null && v !== undefined);
}

/** What the conformance suite creates in Go before applying the manifests: certificates and CA bundles. */
export function conformanceHarness(): unknown[] {
  return [
    tlsSecret('tls-validity-checks-certificate', CONFORMANCE_NS),
    tlsSecret('tls-checks-certificate', CONFORMANCE_NS),
    tlsSecret('tls-terminate-checks-certificate', CONFORMANCE_NS),
    tlsSecret('tls-checks-client-certificate', CONFORMANCE_NS),
    caConfigMap('tls-checks-ca-certificate', CONFORMANCE_NS),
    caConfigMap('tls-validity-checks-ca-certificate', CONFORMANCE_NS),
    caConfigMap('tls-validity-checks-per-port-ca-certificate', CONFORMANCE_NS),
  ];
}

/** Compiles the base manifests, the harness, a test's manifest file and any extra objects, as the suite would apply them. */
export function compileConformance(file: string, extra: unknown[] = []): CompileResult {
  return compile([gatewayClass(), ...loadConformanceManifest('manifests.yaml'), ...conformanceHarness(), ...loadConformanceManifest(file), ...extra]);
}

/** The config of one of the suite's Gateways in a compile result. */
export function conformanceConfig(result: CompileResult, gateway: string): DataPlaneConfig {
  const c = result.configs.find((x) => x.gateway.namespace === CONFORMANCE_NS && x.gateway.name === gateway);
  if (!c) throw new Error(`Gateway ${CONFORMANCE_NS}/${gateway} has no config (configs: ${result.configs.map((x) => x.gateway.name).join(', ')})`);
  return c;
}

/** `gateway-conformance-infra/<service>:<port>`, the backend id of one of the suite's infra Services. */
export function infraBackend(service: string, port = 8080): string {
  return `${CONFORMANCE_NS}/${service}:${port}`;
}

/**
 * An HTTPRoute of our own next to the suite's, on its `same-namespace` Gateway: one rule for a path prefix, with the
 * rest of the rule (filters, retry, timeouts, backendRefs) given; backendRefs default to infra-backend-v1:8080.
 */
export function conformanceRoute(name: string, pathPrefix: string, rule: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: CONFORMANCE_NS },
    spec: {
      parentRefs: [{ name: 'same-namespace' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: pathPrefix } }], backendRefs: [{ name: 'infra-backend-v1', port: 8080 }], ...rule }],
    },
  };
}
