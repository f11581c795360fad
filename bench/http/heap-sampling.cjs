// Runs a data-plane bundle with V8's sampling heap profiler in the same process (for bench/http/alloc.mjs).
// usage: node heap-sampling.cjs <bundle> <out.json> -- <data-plane args...>
// SIGUSR2 starts sampling (and touches <out.json>.started once it runs); a second SIGUSR2 stops it, writes
// { totalBytes, byFunction: [[name, bytes], ...] } to <out.json> and exits.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const [bundle, out] = process.argv.slice(2, 4);
const args = process.argv.slice(process.argv.indexOf('--') + 1);
const session = new inspector.Session();
session.connect();

let state = 'idle';
process.on('SIGUSR2', () => {
  if (state === 'idle') {
    state = 'sampling';
    // every allocation counts, also what the next scavenge frees (that is most of a request's garbage)
    session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true },
      (err) => {
        if (err) throw err;
        fs.writeFileSync(`${out}.started`, '');
      });
  } else if (state === 'sampling') {
    state = 'done';
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (err) throw err;
      const byFunction = new Map();
      let totalBytes = 0;
      const walk = (node) => {
        if (node.selfSize) {
          const f = node.callFrame;
          const key = `${f.functionName || '(anonymous)'} ${f.url ? path.basename(f.url) : ''}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
          byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
          totalBytes += node.selfSize;
        }
        for (const c of node.children) walk(c);
      };
      walk(res.profile.head);
      fs.writeFileSync(out, JSON.stringify({ totalBytes, byFunction: [...byFunction].sort((a, b) => b[1] - a[1]) }));
      process.exit(0);
    });
  }
});

process.argv = [process.argv[0], path.resolve(bundle), ...args];
require(path.resolve(bundle));
