// Runs the router benchmark (bundled by the bench:router task into .cache/bench/router-bench.js) on the Node
// the pods run (Node 24, installed into .cache/node24 on first use), with --expose-gc for a full GC between
// phases, and has it write bench/results/router.json.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { nodeBinary, resultsDir, root } from '../lib.mjs';

const bundle = path.join(root, '.cache', 'bench', 'router-bench.js');
const r = spawnSync(nodeBinary(), ['--expose-gc', bundle, path.join(resultsDir, 'router.json')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
