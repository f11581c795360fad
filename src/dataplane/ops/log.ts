/**
 * JSON log lines on stdout: one object per line with `time`, `level`, `msg` and fields. Access-log
 * lines (`msg: "access"`) are written at level info. Lines are batched and flushed on a short timer
 * so that logging a request costs one string, not one write(2).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 };

export function parseLogLevel(value: string): LogLevel {
  if (value in LEVELS) return value as LogLevel;
  throw new Error(`--log-level "${value}" is not one of ${Object.keys(LEVELS).join(', ')}`);
}

type Fields = Record<string, unknown>;

export class Logger {
  private threshold: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: (s: string) => void;

  constructor(level: LogLevel, out?: (s: string) => void) {
    this.threshold = LEVELS[level];
    this.out = out ?? ((s) => process.stdout.write(s));
  }

  public setLevel(level: LogLevel): void {
    this.threshold = LEVELS[level];
  }

  public enabled(level: LogLevel): boolean {
    return LEVELS[level] >= this.threshold;
  }

  public debug(msg: string, fields?: Fields): void {
    if (this.threshold <= 10) this.emit('debug', msg, fields);
  }

  public info(msg: string, fields?: Fields): void {
    if (this.threshold <= 20) this.emit('info', msg, fields);
  }

  public warn(msg: string, fields?: Fields): void {
    if (this.threshold <= 30) this.emit('warn', msg, fields);
  }

  public error(msg: string, fields?: Fields): void {
    if (this.threshold <= 40) this.emit('error', msg, fields);
  }

  /** A pre-serialised line (the access log builds its own JSON); must not end with a newline. */
  public raw(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes > 65536) this.flush();
    else if (!this.timer) this.timer = setTimeout(this.flush, 50);
  }

  /** Writes every pending line now (also on exit). */
  public flush = (): void => {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const s = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingBytes = 0;
    this.out(s);
  };

  private emit(level: LogLevel, msg: string, fields?: Fields): void {
    const rec: Fields = { time: new Date().toISOString(), level, msg };
    if (fields) {
      for (const k of Object.keys(fields)) {
        const v = fields[k];
        rec[k] = v instanceof Error ? v.message : v;
      }
    }
    this.raw(JSON.stringify(rec));
    // anything above info is rare and wanted promptly
    if (level !== 'debug' && level !== 'info') this.flush();
  }
}
