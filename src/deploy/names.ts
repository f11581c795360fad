/**
 * Names and labels of the objects rendered for a Gateway's data plane. A Gateway name is a DNS
 * subdomain (up to 253 characters, dots allowed); Service names and label values are stricter (DNS-1035
 * labels, 63 characters), so names are normalized and, when that loses information, suffixed with a
 * short hash of the original so that two Gateways never share an object name.
 *
 * Internal: not exported from src/index.ts.
 */
import { createHash } from 'node:crypto';
import { MANAGED_BY_LABEL, MANAGED_BY_US } from '../compiler';

/** The compiler tells the objects rendered here from the user's by this label (see isOwnObject). */
export const MANAGED_BY = MANAGED_BY_US;
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT = 'dataplane';
export const BUNDLE_CHECKSUM_ANNOTATION = 'cdk8s-gateway.io/bundle-sha256';

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
  if (/^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/.test(value)) return value;
  const hash = shortHash(value);
  return `${value.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 63 - hash.length - 1).replace(/[^a-zA-Z0-9]+$/, '')}-${hash}`;
}

/** Labels on every object of a Gateway's data plane; the first two select its pods. */
export function dataPlaneLabels(gatewayName: string): Record<string, string> {
  return {
    [GATEWAY_NAME_LABEL]: labelValue(gatewayName),
    [COMPONENT_LABEL]: COMPONENT,
    'app.kubernetes.io/name': 'cdk8s-gateway',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
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
    'app.kubernetes.io/name': 'cdk8s-gateway',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** The subset of `dataPlaneLabels` that selects the pods (stable: a Deployment's selector is immutable). */
export function selectorLabels(gatewayName: string): Record<string, string> {
  return { [GATEWAY_NAME_LABEL]: labelValue(gatewayName), [COMPONENT_LABEL]: COMPONENT };
}
