/**
 * Ingress (+ ingress-nginx annotations) → Gateway API objects or a cdk8s program, with a report and a check
 * that routing did not change. Internal: the public API is the IngressMigration construct.
 */
export { migrateIngresses } from './migrate';
export type { Migration, MigrationOptions } from './migrate';
export { formatReport } from './report';
export type { MigrationReport, IngressReport, ReportItem } from './report';
export { verifyMigration, formatVerify, gatewayDecisions } from './verify';
export type { VerifyResult, VerifyDisagreement } from './verify';
export { typescriptProgram } from './typescript';
export { UNTRANSLATABLE, TRANSLATED } from './annotations';
