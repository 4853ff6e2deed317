/** A progress line on stderr for long operations, drawn only on a terminal (scripts and logs get none). */
import type { Output } from './api.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private text = '';

  constructor(private readonly out: Output) {}

  start(text: string): this {
    this.text = text;
    if (!this.out.isTTY || this.timer) return this;
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    return this;
  }

  update(text: string): void {
    this.text = text;
  }

  /** Clears the line. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.write('\r\x1b[K');
  }

  private draw(): void {
    this.out.write(`\r\x1b[K${FRAMES[this.frame++ % FRAMES.length]} ${this.text}`);
  }
}
