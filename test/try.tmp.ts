import { App } from 'cdk8s';
import { build } from '../examples/quickstart/app';
import { DataPlaneSynthStep } from '../src/deploy/synth-step';
const app = new App({ outdir: '/tmp/dd/qs' });
build(app);
DataPlaneSynthStep.enable(app);
const t = Date.now();
app.synth();
console.log('synth ms', Date.now() - t);
