/**
 * Synthesizes examples/<name> into examples/<name>/dist, the way its main.ts does (App + build + synth),
 * after clearing what an earlier synth left there. dist/ holds the Gateway API objects and, for every
 * Gateway of this project's class, its data plane.
 * Usage: ts-node -P scripts/tsconfig.json scripts/synth-example.ts <name>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';

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
app.synth();
process.stdout.write(`synthesized examples/${name} into ${path.relative(process.cwd(), outdir) || outdir}\n`);
