/** The examples under examples/, synthesized on a fresh App the way their main.ts does (without writing files). */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { repoRoot } from './crd-validator';

export const examplesDir = join(repoRoot, 'examples');

/** Names of the examples (directories with an app.ts). */
export function exampleNames(): string[] {
  return readdirSync(examplesDir).filter((d) => existsSync(join(examplesDir, d, 'app.ts'))).sort();
}

/** A fresh App with the example built into it. */
export function buildExample(name: string): App {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { build } = require(join(examplesDir, name, 'app')) as { build: (app: App) => void };
  const app = new App({ outdir: join(repoRoot, 'test-output', 'examples', name) });
  build(app);
  return app;
}
