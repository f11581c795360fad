/**
 * The compiled router: used by the data plane on the hot path, by `explain` and by the testing API.
 * Internal: not exported from src/index.ts.
 */
export { PortRouter } from './port-router';
export { SniRouter } from './sni-router';
export { HostTable } from './host-table';
export { isGrpcContentType, normalizeHost, routeRequest } from './request';
export type { RouteRequestInput } from './request';
export { compileFullMatch, parseQuery } from './predicates';
export { clientRequest, normalizePath, normalizeTarget } from './request-target';
export type { ClientRequest, RequestTarget } from './request-target';
export { answersGrpc, decideRequest, decidingFilters, decisionDetail, isCorsPreflight, sharesOf } from './decide';
export type { DecidingFilters, RequestDecision, ShareChooser } from './decide';
export { errorGrpcStatus, errorStatus, GRPC_STATUS_NAMES, isGatewayError, OUTCOMES, outcomeMessage } from './outcomes';
export type { GatewayErrorCode, OutcomeCode, OutcomeInfo } from './outcomes';
export type { RouteRequest, RouteDecision, SniDecision } from './types';
export { describeFilter, explainRequest, formatExplanation } from './explain';
export { redirectLocation, rewritePath } from './rewrite';
export type { Explanation, ExplainedBackend, ExplainedListener } from './explain';
export { explainConnection, formatConnectionExplanation } from './explain-connection';
export type { ConnectionExplanation, ConnectionInput, ExplainedL4Backend } from './explain-connection';
