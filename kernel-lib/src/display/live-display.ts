import { newId, validate } from '../core';
import { z } from 'zod';
import { displayBundle } from './display';
import type { MimeBundle } from './payloads';
import { inKernel } from './tslab-bridge';

const liveDisplayOptionsSchema = z
  .object({ throttleMs: z.number().int().min(0).max(60_000).default(250) })
  .strict();

/** Options of a live display. */
export type LiveDisplayOptions = z.input<typeof liveDisplayOptionsSchema>;

type Render = () => MimeBundle | Promise<MimeBundle>;

/**
 * One output that changes in place while something runs: the first `update` creates
 * it, later ones replace it (at most once per `throttleMs`, and never more often than
 * every 4× the time the last render took, so large views do not hog the kernel),
 * `close()` sends the final state. Outside a kernel only the final state is printed, as text.
 * @example const live = new LiveDisplay(); pipeline.onEvent(() => live.update(() => bundle())); await live.close();
 */
export class LiveDisplay {
  /** The Jupyter display id the output is sent under. */
  readonly displayId = newId('display');
  private readonly throttleMs: number;
  private readonly live = inKernel();
  private pending: Render | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  private lastSentAt = 0;
  private lastCostMs = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Callers of `whenShown` waiting for the throttled update to be sent. */
  private waiting: Array<() => void> = [];

  constructor(options: LiveDisplayOptions = {}) {
    this.throttleMs = validate(liveDisplayOptionsSchema, options, { what: 'LiveDisplay options', code: 'live_display_options_invalid' }).throttleMs;
  }

  /** How many outputs were sent so far (the first creates, the rest update). */
  get sends(): number {
    return this.sent;
  }

  /** Asks for the output to show `render()`'s bundle; fast calls collapse into one send. */
  update(render: Render): void {
    if (this.closed) return;
    this.pending = render;
    if (!this.live || this.timer) return;
    const interval = Math.max(this.throttleMs, this.lastCostMs * 4);
    const wait = this.sent === 0 ? 0 : Math.max(0, this.lastSentAt + interval - Date.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
    this.timer.unref?.();
  }

  /**
   * Resolves once every output asked for so far has been sent: await it after the first
   * `update` so that output is in the cell before anything printed after it (a narrative
   * printed while the first chart renders would otherwise come first).
   */
  whenShown(): Promise<void> {
    // An update waiting for its turn (throttled) is part of "asked for so far".
    if (this.timer) return new Promise((resolve) => this.waiting.push(resolve));
    return this.chain;
  }

  /** Sends the final state (the last render asked for) and stops updating. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
    this.closed = true;
    await this.chain;
  }

  private flush(): void {
    const render = this.pending;
    this.pending = null;
    const waiting = this.waiting;
    this.waiting = [];
    if (!render) {
      for (const resolve of waiting) void this.chain.then(resolve);
      return;
    }
    this.lastSentAt = Date.now();
    this.chain = this.chain.then(async () => {
      const started = Date.now();
      let bundle: MimeBundle;
      try {
        bundle = await render();
      } catch (error) {
        bundle = { 'text/plain': `campfires: could not render the live display: ${(error as Error).message}` };
      }
      displayBundle(bundle, { displayId: this.displayId, update: this.live && this.sent > 0 });
      this.sent += 1;
      this.lastSentAt = Date.now();
      // The first render pays for loading vega; do not let it slow every later update.
      if (this.sent > 1) this.lastCostMs = this.lastSentAt - started;
    });
    for (const resolve of waiting) void this.chain.then(resolve);
  }
}
