/**
 * Runs the stand-in kube-apiserver until interrupted, with the Gateway API CRDs applied, and prints a
 * kubeconfig for kubectl: `npx ts-node test/support/kube-apiserver/main.ts`, then
 * `kubectl --kubeconfig <printed path> apply -f dist/`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { gatewayApiCrds } from './crds';
import { KubeApiServer } from './server';

async function main(): Promise<void> {
  const api = await KubeApiServer.start({ namespaceLifecycle: true });
  api.apply(gatewayApiCrds());
  const file = api.writeKubeconfig(path.join(os.tmpdir(), `stand-in-apiserver-${process.pid}`));
  process.stdout.write(`stand-in kube-apiserver at ${api.url}\nkubeconfig: ${file}\n  kubectl --kubeconfig ${file} get gateways -A\n`);
  process.on('SIGINT', () => api.close().then(() => process.exit(0)));
}

void main();
