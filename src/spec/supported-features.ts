/**
 * The Gateway API conformance features this implementation claims: written to its GatewayClass's
 * `status.supportedFeatures` in cluster mode (sorted by name, as the spec requires) and listed in docs/cluster-mode.md
 * (test/sync/supported-features.test.ts keeps the two the same). Only features whose conformance manifests
 * the compiler's tests and the data plane's end-to-end tests cover are listed.
 */
export const SUPPORTED_FEATURES: readonly string[] = [
  'BackendTLSPolicy',
  'Gateway',
  'GatewayHTTPListenerIsolation',
  'GatewayPort8080',
  'GRPCRoute',
  'HTTPRoute',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendRequestHeaderModification',
  'HTTPRouteBackendTimeout',
  'HTTPRouteCORS',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteNamedRouteRule',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestMultipleMirrors',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteSchemeRedirect',
  'ReferenceGrant',
  'TLSRoute',
].slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
