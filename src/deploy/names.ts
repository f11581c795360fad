/**
 * Labels of the objects rendered for a Gateway's data plane (their names come from spec/project.ts's
 * dnsLabel, shared with the constructs).
 *
 * Internal: not exported from src/index.ts.
 */
import { GATEWAY_NAME_LABEL } from '../spec/gateway-api';
import { APP_NAME_LABEL, COMPONENT_LABEL, labelValue, MANAGED_BY, MANAGED_BY_LABEL, PROJECT_NAME } from '../spec/project';

/** The component label value of the data plane's objects. */
const COMPONENT = 'dataplane';

/** Labels on every object of a Gateway's data plane; the first two select its pods. */
export function dataPlaneLabels(gatewayName: string): Record<string, string> {
  return {
    [GATEWAY_NAME_LABEL]: labelValue(gatewayName),
    [COMPONENT_LABEL]: COMPONENT,
    [APP_NAME_LABEL]: PROJECT_NAME,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** The subset of `dataPlaneLabels` that selects the pods (stable: a Deployment's selector is immutable). */
export function selectorLabels(gatewayName: string): Record<string, string> {
  return { [GATEWAY_NAME_LABEL]: labelValue(gatewayName), [COMPONENT_LABEL]: COMPONENT };
}
