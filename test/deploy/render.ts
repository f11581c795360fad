import { App, Chart, Testing } from 'cdk8s';
import { GatewayDataPlane, GatewayDataPlaneProps } from '../../src/deploy/gateway-data-plane';

export type K8sObject = Record<string, any>;

/** Renders one GatewayDataPlane in a fresh chart and returns the synthesized objects. */
export function render(props: GatewayDataPlaneProps): { objects: K8sObject[]; dataPlane: GatewayDataPlane; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  const dataPlane = new GatewayDataPlane(chart, 'dp', props);
  return { objects: Testing.synth(chart), dataPlane, chart };
}

/** The props of a small HTTP + HTTPS Gateway. */
export function baseProps(overrides: Partial<GatewayDataPlaneProps> = {}): GatewayDataPlaneProps {
  return {
    gatewayNamespace: 'gateway-system',
    gatewayName: 'edge',
    config: '{"apiVersion":"dataplane.cdk8s-gateway.io/v1alpha1"}',
    ports: [{ port: 80, name: 'http-80' }, { port: 443, name: 'https-443' }],
    ...overrides,
  };
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found[0];
}

export function kinds(objects: K8sObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

export function podSpec(objects: K8sObject[]): K8sObject {
  return one(objects, 'Deployment').spec.template.spec;
}

export function mainContainer(objects: K8sObject[]): K8sObject {
  return podSpec(objects).containers[0];
}

/**
 * The objects with the data-plane bundle replaced by a placeholder: a snapshot documents the rendered
 * objects, not the bytes of a data plane that changes with every data-plane commit.
 */
export function withoutBundleBytes(objects: K8sObject[]): K8sObject[] {
  return JSON.parse(JSON.stringify(objects), (key, value) => {
    if (key === 'dataplane.js.gz' || key === 'boot.js') return `<${key}>`;
    if (key === 'cdk8s-gateway.io/bundle-sha256') return '<sha256 of the bundle ConfigMap>';
    return value;
  });
}

export { App };
