// Preloaded (`node -r`) into a Node contender by bench/http/tail.mjs: appends every garbage collection to the
// file in $GC_LOG as "<start, CLOCK_MONOTONIC ns> <duration ms> <kind>", the clock `perf record -k mono` uses,
// so collections line up with the scheduler trace. Written at exit (SIGTERM included), not during the run.
const { PerformanceObserver, performance, constants } = require('node:perf_hooks');

const file = process.env.GC_LOG;
if (file) {
  const kinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks' };
  const lines = [];
  // performance.now() and process.hrtime() both count on the monotonic clock: the offset between them converts
  const offsetNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      lines.push(`${offsetNs + BigInt(Math.round(e.startTime * 1e6))} ${e.duration.toFixed(3)} ${kinds[e.detail?.kind] ?? e.detail?.kind}`);
    }
  }).observe({ entryTypes: ['gc'] });
  const flush = () => require('node:fs').writeFileSync(file, lines.join('\n') + '\n');
  process.on('exit', flush);
  process.on('SIGTERM', () => {
    flush();
    process.exit(0);
  });
}
