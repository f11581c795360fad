// Preloaded (`node --require`) by bench/http/half-prof.mjs: a V8 CPU profile of exactly the measured window.
// SIGUSR2 starts it, SIGWINCH stops it and writes $PROF_OUT (a .cpuprofile), SIGTERM exits normally.
const fs = require('node:fs');
const inspector = require('node:inspector');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROF_INTERVAL_US || 200) });
process.on('SIGUSR2', () => session.post('Profiler.start'));
process.on('SIGWINCH', () => session.post('Profiler.stop', (err, r) => {
  fs.writeFileSync(process.env.PROF_OUT, JSON.stringify(err ? { error: String(err) } : r.profile));
}));
process.on('SIGTERM', () => process.exit(0));
