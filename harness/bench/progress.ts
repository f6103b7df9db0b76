/**
 * Progress of a benchmark. On a TTY: a cli-progress bar (runs done / total, the run that last
 * started, elapsed, ETA). Elsewhere (CI logs): one plain line every `intervalSeconds`
 * (`bench: 12/40 runs, 0:34 elapsed`), and a last line at the end. Notes (reference results,
 * failures) are printed above the bar as they happen.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  /** `done` runs finished; `label` names what is running now. */
  update(done: number, label: string): void;
  /** A line printed without breaking the bar. */
  note(line: string): void;
  stop(): void;
}

/** m:ss (or h:mm:ss). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A progress reporter for `stream`: a bar on a TTY, periodic lines otherwise, or nothing. */
export function makeProgress(stream: NodeJS.WriteStream, opts: { quiet?: boolean; intervalSeconds?: number } = {}): Progress {
  if (opts.quiet) return { start() {}, update() {}, note() {}, stop() {} };
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream, opts.intervalSeconds ?? 5);
}

class BarProgress implements Progress {
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;
  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{bar} {value}/{total} runs | {duration_formatted} elapsed | ETA {eta_formatted} | {label}',
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(total: number): void {
    this.bar = this.multi.create(total, 0, { label: '' });
  }
  update(done: number, label: string): void {
    this.bar?.update(done, { label: label.length > 60 ? `${label.slice(0, 57)}...` : label });
  }
  note(line: string): void {
    this.multi.log(`${line}\n`);
  }
  stop(): void {
    this.multi.stop();
  }
}

class LineProgress implements Progress {
  private total = 0;
  private done = 0;
  private label = '';
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly interval: number) {}
  private line(): string {
    return `bench: ${this.done}/${this.total} runs, ${clock((Date.now() - this.t0) / 1000)} elapsed${this.label ? `, running ${this.label}` : ''}`;
  }
  start(total: number): void {
    this.total = total;
    this.timer = setInterval(() => this.stream.write(`${this.line()}\n`), this.interval * 1000);
    this.timer.unref();
  }
  update(done: number, label: string): void {
    this.done = done;
    this.label = label;
  }
  note(line: string): void {
    this.stream.write(`${line}\n`);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.label = '';
    this.stream.write(`${this.line()}\n`);
  }
}
