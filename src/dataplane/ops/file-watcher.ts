import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Notices when a file changes the way Kubernetes volumes change it: a ConfigMap or Secret volume swaps
 * its `..data` symlink atomically, so the file's realpath changes while its own mtime may not. The
 * directory is watched for a prompt reaction and the file's stamp (realpath, mtime, size, inode) is
 * polled as a fallback (fs.watch misses events on some filesystems).
 */
export class FileWatcher {
  private stamp: string;
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly file: string, private readonly onChange: () => void, pollMs = 1000) {
    this.stamp = stampOf(file);
    try {
      this.watcher = fs.watch(path.dirname(file), { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => { /* polling still runs */ });
    } catch {
      this.watcher = undefined;
    }
    this.timer = setInterval(() => this.check(), pollMs);
    this.timer.unref();
  }

  /** The file as it is now has been read (by a reload this watcher did not trigger): do not report it again. */
  public markSeen(): void {
    this.stamp = stampOf(this.file);
  }

  public close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.debounce) return;
    // a writer may still be writing: look once things settle
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.check();
    }, 50);
    this.debounce.unref();
  }

  private check(): void {
    const s = stampOf(this.file);
    if (s === this.stamp) return;
    this.stamp = s;
    this.onChange();
  }
}

/** realpath, mtime, size and inode of a file ('missing' when it is not there). */
export function stampOf(file: string): string {
  try {
    const real = fs.realpathSync(file);
    const st = fs.statSync(real);
    return `${real}:${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return 'missing';
  }
}
