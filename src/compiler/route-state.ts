import { BackendDraft } from './backends';
import { RefProblem } from './filters';
import { GatewayState } from './gateways';
import { ListenerState } from './listeners';
import { MatchDraft } from './matches';
import { Obj } from './objects';
import { ParentRefStatusKey } from './status';
import type { HttpFilterConfig, InvalidBackendConfig, RetryConfig, SessionPersistenceConfig, TimeoutsConfig } from '../config/dataplane-config';
import { RouteKind } from '../spec/gateway-api';

/** A share of a rule's traffic: a resolved backend, or why the ref is invalid (that share answers 500). */
export interface BackendShare {
  readonly weight: number;
  readonly backend?: BackendDraft;
  readonly invalid?: InvalidBackendConfig;
  readonly filters: HttpFilterConfig[];
}

/** A valid HTTPRoute or GRPCRoute rule, independent of the Gateway it is attached to. */
export interface CompiledRule {
  readonly index: number;
  readonly name?: string;
  readonly matches: MatchDraft[];
  readonly filters: HttpFilterConfig[];
  readonly backends: BackendShare[];
  /** Backends referenced by filters (mirrors, external auth). */
  readonly filterBackends: BackendDraft[];
  readonly timeouts?: TimeoutsConfig;
  readonly retry?: RetryConfig;
  readonly sessionPersistence?: SessionPersistenceConfig;
}

/** Why a route (or one of its rules) is not accepted: the condition reason the spec names and a message. */
export interface RouteProblem {
  readonly reason: string;
  readonly message: string;
}

/** A listener a route attached to, with the route's hostnames as seen through it. */
export interface Attachment {
  readonly listener: ListenerState;
  /** Route hostnames ∩ listener hostname; empty means any. */
  readonly hostnames: string[];
}

/** The route's standing with one parentRef. */
export interface ParentState {
  readonly key: ParentRefStatusKey;
  readonly gateway: GatewayState;
  readonly attachments: Attachment[];
  readonly accepted: RouteProblem & { readonly status: boolean };
}

/** A route compiled once, then attached to each parent. */
export interface RouteState {
  readonly obj: Obj;
  readonly kind: RouteKind;
  /** Hostnames as written (validated); empty means any. */
  readonly hostnames: string[];
  /** HTTPRoute and GRPCRoute: the rules that are valid. */
  readonly rules: CompiledRule[];
  /** TLSRoute, TCPRoute, UDPRoute: the backends of the (single) rule. */
  readonly l4Backends: BackendShare[];
  /** Rules dropped as invalid (PartiallyInvalid when some remain). */
  readonly dropped: Array<RouteProblem & { readonly index: number }>;
  /** Set when the whole route cannot be accepted. */
  readonly invalid?: RouteProblem;
  /** Unresolvable references (ResolvedRefs False); the first one gives the reason. */
  readonly refProblems: RefProblem[];
  readonly parents: ParentState[];
}
