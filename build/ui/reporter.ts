// Progress: an ora spinner per step with elapsed time on a TTY; plain lines otherwise (CI, pipes).
import ora, { type Ora } from 'ora';

export interface Reporter {
  start(step: string, what: string): void;
  note(step: string, msg: string): void;
  succeed(step: string, ms: number, summary?: string): void;
  fail(step: string, ms: number): void;
  info(msg: string): void;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class PlainReporter implements Reporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}
  start(step: string, what: string) { this.write(`[${step}] ${what}`); }
  note(step: string, msg: string) { this.write(`[${step}] ${msg}`); }
  succeed(step: string, ms: number, summary?: string) { this.write(`[${step}] done in ${secs(ms)}${summary ? `: ${summary}` : ''}`); }
  fail(step: string, ms: number) { this.write(`[${step}] FAILED after ${secs(ms)}`); }
  info(msg: string) { this.write(msg); }
}

export class SpinnerReporter implements Reporter {
  private spinner: Ora | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private text = '';
  start(step: string, what: string) {
    this.started = Date.now();
    this.text = `${step}: ${what}`;
    this.spinner = ora({ text: this.text, stream: process.stderr }).start();
    this.timer = setInterval(() => { if (this.spinner) this.spinner.text = `${this.text} (${secs(Date.now() - this.started)})`; }, 500);
  }
  note(step: string, msg: string) { this.text = `${step}: ${msg}`; if (this.spinner) this.spinner.text = this.text; }
  succeed(step: string, ms: number, summary?: string) { this.stop(); this.spinner?.succeed(`${step} ${secs(ms)}${summary ? `: ${summary}` : ''}`); }
  fail(step: string, ms: number) { this.stop(); this.spinner?.fail(`${step} failed after ${secs(ms)}`); }
  info(msg: string) { if (this.spinner?.isSpinning) this.spinner.clear(); process.stderr.write(`${msg}\n`); }
  private stop() { if (this.timer) clearInterval(this.timer); this.timer = undefined; }
}

export function createReporter(): Reporter {
  const tty = process.stderr.isTTY && !process.env.CI;
  return tty ? new SpinnerReporter() : new PlainReporter();
}
