/**
 * Synthesizes examples/<name> into examples/<name>/dist with the synth step enabled, so that dist/ holds
 * the data-plane objects next to the Gateway API objects whatever the example's main.ts does.
 * Usage: ts-node -P scripts/tsconfig.json scripts/synth-example.ts <name>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { DataPlaneSynthStep } from '../src/deploy/synth-step';

const name = process.argv[2];
const dir = path.join(__dirname, '..', 'examples', name ?? '');
if (!name || !fs.existsSync(path.join(dir, 'app.ts'))) {
  process.stderr.write(`synth-example: no examples/${name ?? '<name>'}/app.ts\n`);
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { build } = require(path.join(dir, 'app')) as { build(app: App): void };
const outdir = path.join(dir, 'dist');
fs.rmSync(outdir, { recursive: true, force: true });
const app = new App({ outdir });
build(app);
DataPlaneSynthStep.enable(app);
app.synth();
process.stdout.write(`synthesized examples/${name} into ${path.relative(process.cwd(), outdir) || outdir}\n`);
