// Entry point of assets/boot.js (see ./boot.ts).
import { boot, BootUsageError } from './boot';

try {
  boot(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`boot: ${e instanceof BootUsageError ? e.message : (e as Error).stack ?? String(e)}\n`);
  process.exit(e instanceof BootUsageError ? 2 : 1);
}
