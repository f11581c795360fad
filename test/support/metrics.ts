import { request } from './http';
import type { Spawned } from './processes';

/** The data plane's Prometheus text from its admin port. */
export async function scrape(gw: Spawned): Promise<string> {
  return (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
}

/** Sum of the samples of `name` whose label set contains every `labels` pair (all samples when none given). */
export function sumOf(metrics: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const set = line.slice(name.length, line.lastIndexOf(' '));
    if (wanted.every((w) => set.includes(w))) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}
