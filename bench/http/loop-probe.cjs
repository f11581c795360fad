// Preloaded (`node --require`) into a process under load by bench/http/half-diag.mjs: what its main thread did
// besides serving. Records the event-loop delay (perf_hooks, 1 ms resolution), the gaps of a 1 ms interval timer
// longer than 3 ms (the busy periods in which a backlog is drained) and the GC pauses. SIGUSR2 resets, SIGWINCH
// writes the record to $LOOP_PROBE_OUT (JSON). SIGUSR1 is not used: Node starts its inspector on it.
const fs = require('node:fs');
const { monitorEventLoopDelay, PerformanceObserver, performance } = require('node:perf_hooks');

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const gaps = [];
const gc = [];
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last > 3) gaps.push(now - last);
  last = now;
}, 1).unref();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gc.push(e.duration);
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  delay.reset();
  gaps.length = 0;
  gc.length = 0;
});
process.on('SIGWINCH', () => {
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  fs.writeFileSync(process.env.LOOP_PROBE_OUT, JSON.stringify({
    delayP50Ms: delay.percentile(50) / 1e6, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6,
    gapsOver3Ms: gaps.length, gapsOver5Ms: gaps.filter((g) => g > 5).length, gapsOver10Ms: gaps.filter((g) => g > 10).length,
    gapMs: sum(gaps), longestGapMs: Math.max(0, ...gaps),
    gcCount: gc.length, gcMs: sum(gc), gcOver1Ms: gc.filter((d) => d > 1).length, longestGcMs: Math.max(0, ...gc),
  }));
});
