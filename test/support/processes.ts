import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { podNode, REPO_ROOT } from './node-versions';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';

export const DATAPLANE_JS = path.join(REPO_ROOT, 'assets', 'dataplane.js');
export const CLI_JS = path.join(REPO_ROOT, 'assets', 'cli.js');

/** Calls `onLine` with each line a process writes to stdout (without the newline). */
export function readLines(proc: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** A process started on port 0 whose `listening ...` lines were read up to `ready`. */
export class Spawned {
  /** Every stdout line so far (the JSON log lines too). */
  public readonly lines: string[] = [];
  public readonly stderr: string[] = [];
  /** `listening <protocol> <listenerPort> <addr>:<port> <listener>` → listener port → bound port. */
  public readonly ports = new Map<number, number>();
  public adminPort?: number;
  public exitCode: number | null | undefined;
  private readonly waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  private readonly exited: Promise<number | null>;

  constructor(public readonly proc: ChildProcess) {
    readLines(proc, (line) => this.onLine(line));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => this.stderr.push(d));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => {
      this.exitCode = code;
      resolve(code);
    }));
  }

  /** Resolves with the first line (already seen or future) matching `re`. */
  public waitForLine(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr.join('')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
      this.exited.then((code) => {
        clearTimeout(t);
        reject(new Error(`process exited (${code}) before a line matching ${re}; stderr:\n${this.stderr.join('')}`));
      }, () => undefined);
    });
  }

  /** JSON log lines parsed (non-JSON lines skipped). */
  public json(): Record<string, any>[] {
    const out: Record<string, any>[] = [];
    for (const l of this.lines) {
      if (l.startsWith('{')) {
        try {
          out.push(JSON.parse(l));
        } catch {
          // partial line
        }
      }
    }
    return out;
  }

  public url(configPort: number, pathAndQuery = '/', scheme = 'http'): string {
    const p = this.ports.get(configPort);
    if (p === undefined) throw new Error(`port ${configPort} is not bound (bound: ${[...this.ports.keys()].join(', ')})`);
    return `${scheme}://127.0.0.1:${p}${pathAndQuery}`;
  }

  public signal(sig: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.proc.kill(sig);
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and resolves with its exit code. */
  public async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.proc.kill(sig);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  public waitForExit(): Promise<number | null> {
    return this.exited;
  }

  private onLine(line: string): void {
    this.lines.push(line);
    const m = /^(?:listening|refused) (\S+) (\d+) (\S+):(\d+)/.exec(line);
    if (m) this.ports.set(Number(m[2]), Number(m[4]));
    const a = /^admin \S+:(\d+)$/.exec(line);
    if (a) this.adminPort = Number(a[1]);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].re.test(line)) {
        this.waiters[i].resolve(line);
        this.waiters.splice(i, 1);
      }
    }
  }
}

export interface DataPlaneOptions {
  /** Config object (written to a temp file) or the path of a config file. */
  readonly config: DataPlaneConfig | string;
  /** `ns/svc:port` → `host:port`. */
  readonly backends?: Record<string, string>;
  readonly secretsDir?: string;
  readonly configMapsDir?: string;
  readonly args?: string[];
  /** Node binary; default: Node 24 (installed into .cache on first use), else this Node. */
  readonly node?: string;
  /** Extra environment variables (e.g. NODE_OPTIONS); jest's process.env is not the one spawn passes on. */
  readonly env?: Record<string, string>;
}

/** Temp dir removed when the process exits. */
export function tempDir(prefix = 'gw-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts assets/dataplane.js with every config port mapped to port 0 on 127.0.0.1 and an admin port,
 * and waits for `ready`.
 */
export async function startDataPlane(o: DataPlaneOptions): Promise<Spawned> {
  let file: string;
  let ports: number[];
  if (typeof o.config === 'string') {
    file = o.config;
    ports = (JSON.parse(fs.readFileSync(file, 'utf8')) as DataPlaneConfig).ports.map((p) => p.port);
  } else {
    file = path.join(tempDir('gw-config-'), 'config.json');
    fs.writeFileSync(file, JSON.stringify(o.config));
    ports = o.config.ports.map((p) => p.port);
  }
  const args = [DATAPLANE_JS, '--config', file, '--address', '127.0.0.1', '--admin-port', '0'];
  for (const p of ports) args.push('--port-map', `${p}=0`);
  for (const [id, target] of Object.entries(o.backends ?? {})) args.push('--backend', `${id}=${target}`);
  if (o.secretsDir) args.push('--secrets-dir', o.secretsDir);
  if (o.configMapsDir) args.push('--configmaps-dir', o.configMapsDir);
  args.push(...(o.args ?? []));
  const proc = spawn(o.node ?? dataPlaneNode(), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(o.env ? { env: { ...process.env, ...o.env } } : {}) });
  const s = new Spawned(proc);
  await s.waitForLine(/^ready$/);
  return s;
}

let cachedNode: string | undefined;

/** The Node that end-to-end tests run the data plane on: Node 24 (the pods' version) when installable. */
export function dataPlaneNode(): string {
  cachedNode ??= podNode() ?? process.execPath;
  return cachedNode;
}

/** Starts `cdk8s-gateway <args>` (assets/cli.js) and waits for `ready`. */
export async function startCli(args: string[], node = process.execPath): Promise<Spawned> {
  const proc = spawn(node, [CLI_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const s = new Spawned(proc);
  await s.waitForLine(/^ready$/);
  return s;
}

/** An echo backend process (`cdk8s-gateway echo`) on a free port; returns it and `127.0.0.1:<port>`. */
export async function startEcho(name: string, extra: string[] = []): Promise<{ proc: Spawned; target: string; port: number }> {
  const s = await startCli(['echo', '--port', '0', '--name', name, '--address', '127.0.0.1', ...extra]);
  const line = await s.waitForLine(/^listening /);
  const port = Number(/:(\d+)$/.exec(line)![1]);
  return { proc: s, target: `127.0.0.1:${port}`, port };
}
