// The public jsii API. The data plane (src/dataplane/) and the compiler internals are not exported.
export * as k8s from './imports/gateway.networking.k8s.io';
export * from './constructs';
export * from './deploy';
export * from './testing/gateway-tester';
export { IngressMigration, MigrationStatus } from './migrate/ingress-migration';
export type {
  IngressMigrationFinding, IngressMigrationDifference, IngressMigrationOptions, IngressMigrationYamlProps, IngressMigrationObjectsProps,
} from './migrate/ingress-migration';
