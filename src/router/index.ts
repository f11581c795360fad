/**
 * The compiled router: used by the data plane on the hot path, by `explain` and by the testing API.
 * Internal: not exported from src/index.ts.
 */
export { PortRouter } from './port-router';
export { SniRouter } from './sni-router';
export { HostTable } from './host-table';
export { isGrpcContentType, normalizeHost, normalizePath, routeRequest } from './request';
export type { RouteRequestInput } from './request';
export { compileFullMatch, parseQuery } from './predicates';
export type { RouteRequest, RouteDecision, SniDecision } from './types';
export { describeFilter, explainRequest, formatExplanation, redirectLocation, rewritePath } from './explain';
export type { Explanation, ExplainedBackend, ExplainedListener } from './explain';
export { explainConnection, formatConnectionExplanation } from './explain-connection';
export type { ConnectionExplanation, ConnectionInput, ExplainedL4Backend } from './explain-connection';
