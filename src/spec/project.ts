/**
 * Names of this project as they appear in the objects it writes and reads: the controller name of its
 * GatewayClass, its labels and annotations, and the names of the objects rendered for a Gateway. The
 * constructs write them, the compiler reads them back, the synth step renders with them.
 */
import { createHash } from 'node:crypto';
import { GATEWAY_NAME_LABEL } from './gateway-api';
import { isLabelValue } from './patterns';

/** The project's name: the `app.kubernetes.io/name` and `managed-by` of what it renders. */
export const PROJECT_NAME = 'cdk8s-gateway';
/** The controllerName of this project's GatewayClass (its Node.js data plane). */
export const CONTROLLER_NAME = 'cdk8s-gateway.io/node-data-plane';
/** The default name of that GatewayClass. */
export const NODE_DATA_PLANE_CLASS_NAME = PROJECT_NAME;
/** The namespace label team grants select on: `cdk8s-gateway.io/team: <team>`. */
export const TEAM_LABEL = 'cdk8s-gateway.io/team';
/** The pod annotation that rolls the data plane when its bundle changes. */
export const BUNDLE_CHECKSUM_ANNOTATION = 'cdk8s-gateway.io/bundle-sha256';

/** The compiler tells the objects rendered for a Gateway from the user's by this label and value. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = PROJECT_NAME;
export const APP_NAME_LABEL = 'app.kubernetes.io/name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/*
 * A Gateway name is a DNS subdomain (up to 253 characters, dots allowed); Service names and label values
 * are stricter (DNS-1035 labels, 63 characters), so names are normalized and, when that loses
 * information, suffixed with a short hash of the original so that two Gateways never share an object name.
 */

export function shortHash(s: string, length = 8): string {
  return createHash('sha256').update(s).digest('hex').slice(0, length);
}

/**
 * A DNS-1035 label of at most `max` characters built from `base` and `suffix`: lower-case letters,
 * digits and dashes, starting with a letter. `base` is kept readable; a hash is added when it was changed.
 */
export function dnsLabel(base: string, suffix: string, max = 63): string {
  let clean = base.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  let changed = clean !== base;
  if (!/^[a-z]/.test(clean)) {
    clean = `gw-${clean}`;
    changed = true;
  }
  const tail = suffix ? `-${suffix}` : '';
  if (!changed && clean.length + tail.length <= max) return clean + tail;
  const hash = shortHash(base);
  const room = max - tail.length - hash.length - 1;
  return `${clean.slice(0, room).replace(/-+$/, '')}-${hash}${tail}`;
}

/** A label value (at most 63 characters of `[a-zA-Z0-9._-]`, alphanumeric at both ends). */
export function labelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const hash = shortHash(value);
  return `${value.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 63 - hash.length - 1).replace(/[^a-zA-Z0-9]+$/, '')}-${hash}`;
}

/**
 * The ConfigMap a Gateway's `spec.infrastructure.parametersRef` names when its `dataPlane` sets options the
 * running data plane reads (clientCertificateHeader, clusterDomain): the compiler reads them from there,
 * at synth and in `cdk8s-gateway compile/serve/bundle` alike.
 */
export function parametersConfigMapName(gatewayName: string): string {
  return dnsLabel(gatewayName, 'dataplane-parameters');
}

/** Labels of that ConfigMap: ours (managed-by), but not one of the data plane's rendered objects. */
export function parametersLabels(gatewayName: string): Record<string, string> {
  return {
    [GATEWAY_NAME_LABEL]: labelValue(gatewayName),
    [COMPONENT_LABEL]: 'parameters',
    [APP_NAME_LABEL]: PROJECT_NAME,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** The data-plane Service the synth step renders for a Gateway (in the Gateway's namespace). */
export function dataPlaneServiceName(gatewayName: string): string {
  return dnsLabel(gatewayName, 'dataplane');
}

/** The Lease the data-plane pods of one Gateway elect their status writer with (in the Gateway's namespace). */
export function statusLeaseName(gatewayName: string): string {
  return dnsLabel(gatewayName, 'dataplane-status');
}
