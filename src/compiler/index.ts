/**
 * The compiler: Gateway API objects → DataPlaneConfig + status conditions. Pure (no I/O, no cdk8s).
 * Internal: not exported from src/index.ts.
 */
export { compile, serializeConfig } from './compile';
export type { CompileOptions, CompileResult } from './compile';
export type { ReferenceMode } from './core-objects';
export { formatDiagnostic } from './diagnostics';
export type { Diagnostic, DiagnosticObject } from './diagnostics';
export { findStatus, findCondition, Reason, ConditionType } from './status';
export type { GatewayStatusAddress } from './gateway-addresses';
export type { Condition, ConditionStatus, ObjectStatus, ListenerStatus, RouteParentStatus, PolicyAncestorStatus, ParentRefStatusKey, GroupKind } from './status';
export { canonicalJson } from './canonical-json';
export { intersectHostnames } from './attach';
export { synthReport, formatSynthFinding } from './synth-report';
export type { SynthFinding } from './synth-report';
