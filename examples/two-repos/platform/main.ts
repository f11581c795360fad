import * as path from 'node:path';
import { App } from 'cdk8s';
import { build } from './app';

const app = new App({ outdir: path.join(__dirname, 'dist') });
build(app);
app.synth();
