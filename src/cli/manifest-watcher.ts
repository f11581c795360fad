import { stat } from 'node:fs/promises';
import { manifestFiles } from './manifests';

/**
 * What the manifests under `paths` look like now: the files `loadManifests` would read, each with its
 * mtime, size and inode, plus the paths that cannot be read.
 */
export async function manifestStamp(paths: readonly string[]): Promise<string> {
  const { files, errors } = await manifestFiles(paths);
  const parts: string[] = [...errors];
  for (const f of files) {
    try {
      const s = await stat(f);
      parts.push(`${f}:${s.mtimeMs}:${s.size}:${s.ino}`);
    } catch {
      parts.push(`${f}:gone`);
    }
  }
  return parts.join('\n');
}

/**
 * Notices when the manifests `serve` runs from change, the way a re-synth changes dist/: files rewritten in
 * place, added, removed, the directory recreated. The files are polled (fs.watch misses events on some
 * filesystems and loses a directory that is deleted and made again); a change is reported once the files
 * stayed the same for one more poll, so that a synth still writing is not read half-way.
 */
export class ManifestWatcher {
  private readonly timer: NodeJS.Timeout;
  private pending: string | undefined;
  private busy = false;
  private closed = false;

  /** `seen` is the stamp of the manifests as last loaded (taken before loading them). */
  public constructor(
    private readonly paths: readonly string[],
    private seen: string,
    private readonly onChange: () => Promise<void>,
    pollMs = 250,
  ) {
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
  }

  public close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      const now = await manifestStamp(this.paths);
      if (now === this.seen) {
        this.pending = undefined;
      } else if (now !== this.pending) {
        this.pending = now; // still changing: look again on the next poll
      } else {
        this.seen = now;
        this.pending = undefined;
        if (!this.closed) await this.onChange();
      }
    } finally {
      this.busy = false;
    }
  }
}
