import { App, Chart } from 'cdk8s';
import { Gateway, GatewayClass, Listener, TlsCertificate, Warnings } from '../../src';

export interface FixtureOptions {
  /**
   * Serve `edge` with another implementation's class (`eg`) instead of this project's data plane, for tests
   * of how constructs render features this data plane refuses at synth (ExtensionRef filters, ServiceImport
   * backends...): with the node data plane class those are synth errors.
   */
  readonly otherImplementation?: boolean;
}

/** An app with the platform chart (namespace gateway-system), Gateway `edge` (web :80, websecure :443) and a `shop` chart. */
export function fixture(options: FixtureOptions = {}) {
  const app = new App();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: options.otherImplementation ? GatewayClass.fromName('eg') : GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({
        name: 'websecure',
        port: 443,
        hostname: '*.example.com',
        certificates: [TlsCertificate.fromSecretName('example-com-tls')],
      }),
    ],
  });
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  return { app, platform, gateway, chart };
}

/** Every object of the app (runs the synth-time validations). */
export function synth(app: App): any[] {
  return app.charts.flatMap((c) => c.toJson());
}

/** The one object of `kind` named `name`. */
export function find(objects: any[], kind: string, name: string, namespace?: string): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

/** Warnings recorded in the app. */
export function warnings(app: App): string[] {
  return Warnings.of(app);
}
