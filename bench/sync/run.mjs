// Runs the cluster-mode benchmark (bundled by the bench:sync task into .cache/bench/sync/sync-bench.js) on the
// Node the pods run (Node 24, installed into .cache/node24 on first use); sync and the data plane it starts run
// on that Node too. It writes bench/results/sync.json. NAMESPACES, ROUTES_PER_NS, ENDPOINTS_PER_SERVICE,
// ROUNDS and CHURN_EVENTS scale it down for a smoke run (then pass RESULTS=/tmp/x.json to keep the committed file).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { nodeBinary, resultsDir, root } from '../lib.mjs';

const bundle = path.join(root, '.cache', 'bench', 'sync', 'sync-bench.js');
const out = process.env.RESULTS ?? path.join(resultsDir, 'sync.json');
const r = spawnSync(nodeBinary(), [bundle, out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
