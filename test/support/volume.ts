import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A directory updated the way the kubelet updates a ConfigMap or Secret volume: files are symlinks
 * into `..data`, itself a symlink to a timestamped directory; an update writes a new directory and
 * renames a fresh `..data` link over the old one (one atomic rename).
 */
export class AtomicVolume {
  private version = 0;

  constructor(public readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Replaces the volume's content with `files` (name → content) in one atomic swap. */
  public write(files: Record<string, string | Buffer>): void {
    const stamp = `..${Date.now()}_${++this.version}`;
    const target = path.join(this.dir, stamp);
    fs.mkdirSync(target);
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(target, name), content);
    const tmp = path.join(this.dir, '..data_tmp');
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(stamp, tmp);
    const old = fs.existsSync(path.join(this.dir, '..data')) ? fs.readlinkSync(path.join(this.dir, '..data')) : undefined;
    fs.renameSync(tmp, path.join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      const link = path.join(this.dir, name);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
    }
    if (old) fs.rmSync(path.join(this.dir, old), { recursive: true, force: true });
  }

  public file(name: string): string {
    return path.join(this.dir, name);
  }
}
