/**
 * One timeline control for every scrubbable output: step back, play/pause, step forward
 * and a slider over the run's positions (a torch flow's cycles, a council's turns), with
 * the keyboard (arrow keys, Space, Home, End) and a live region that says where it is.
 */
import { element } from './dom';

/** What a timeline control needs: how many positions, what each is called, and what to do on a move. */
export interface TimelineOptions {
  /** The unit, for the buttons' labels: `cycle`, `turn`. */
  unit: string;
  /** How many positions (at least 1); the control starts at the last. */
  count: number;
  /** The words for position `index` (0-based): `cycle 3 of 4`, announced and shown. */
  describe(index: number): string;
  /** Called with the new position after every move. */
  onMove(index: number): void;
  /** Time between two steps while playing, in milliseconds (default 700). */
  stepMs?: number;
}

/** A timeline control: its element, its position, and moving it from code. */
export class TimelineControl {
  /** The control's element: put it where the output should show it. */
  readonly element: HTMLElement;
  private index: number;
  private count: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly slider: HTMLInputElement;
  private readonly back: HTMLButtonElement;
  private readonly forward: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly position: HTMLElement;
  private readonly live: HTMLElement;

  constructor(private readonly options: TimelineOptions) {
    this.count = Math.max(1, options.count);
    this.index = this.count - 1;
    const unit = options.unit;
    // Lumino leaves keys pressed inside this element to it (no notebook shortcut runs).
    this.element = element('div', 'cf-timeline', undefined, { role: 'group', 'aria-label': `Timeline of the run's ${unit}s`, 'data-lm-suppress-shortcuts': 'true' });
    this.back = element('button', 'cf-timeline-back', '◀◀', { type: 'button', 'aria-label': `Step back one ${unit}`, title: `Step back one ${unit} (←)` });
    this.play = element('button', 'cf-timeline-play', '▶', { type: 'button', 'aria-label': 'Play', 'aria-pressed': 'false', title: 'Play (Space)' });
    this.forward = element('button', 'cf-timeline-forward', '▶▶', { type: 'button', 'aria-label': `Step forward one ${unit}`, title: `Step forward one ${unit} (→)` });
    this.slider = element('input', 'cf-timeline-slider', undefined, { type: 'range', min: '0', step: '1', 'aria-label': unit[0]?.toUpperCase() + unit.slice(1) });
    this.position = element('span', 'cf-timeline-position', undefined, { 'aria-hidden': 'true' });
    // Announced politely after each move; the slider's value text says the same when it has focus.
    this.live = element('span', 'cf-timeline-live cf-visually-hidden', undefined, { 'aria-live': 'polite', 'aria-atomic': 'true', role: 'status' });
    this.element.append(this.back, this.play, this.forward, this.slider, this.position, this.live);
    this.back.addEventListener('click', () => this.moveBy(-1));
    this.forward.addEventListener('click', () => this.moveBy(1));
    this.play.addEventListener('click', () => this.toggle());
    this.slider.addEventListener('input', () => this.moveTo(Number(this.slider.value), true));
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.sync(false);
  }

  /** The position shown now (0-based). */
  get current(): number {
    return this.index;
  }

  /** True while playing. */
  get playing(): boolean {
    return this.timer !== null;
  }

  /** Changes how many positions there are (a live run grew); `follow` keeps it at the last. */
  setCount(count: number, follow: boolean): void {
    this.count = Math.max(1, count);
    this.index = follow ? this.count - 1 : Math.min(this.index, this.count - 1);
    this.sync(false);
  }

  /** Shows `index` (clamped) without telling the output or announcing it: the output drew that position itself. */
  show(index: number): void {
    this.index = Math.max(0, Math.min(this.count - 1, Math.round(index)));
    this.sync(false);
  }

  /** Moves to `index` (clamped) and tells the output; `announce` updates the live region. */
  moveTo(index: number, announce = true): void {
    const next = Math.max(0, Math.min(this.count - 1, Math.round(index)));
    this.index = next;
    this.sync(announce);
    this.options.onMove(next);
  }

  /** Stops playing and releases the timer. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = '▶';
    this.play.setAttribute('aria-label', 'Play');
    this.play.setAttribute('aria-pressed', 'false');
    this.play.title = 'Play (Space)';
  }

  private moveBy(step: number): void {
    this.stop();
    this.moveTo(this.index + step);
  }

  /** Play from here (from the start when at the end), one position per step, stopping at the last; or pause. */
  private toggle(): void {
    if (this.timer !== null) {
      this.stop();
      this.sync(true);
      return;
    }
    if (this.count < 2) return;
    if (this.index >= this.count - 1) this.moveTo(0);
    this.timer = setInterval(() => {
      if (this.index >= this.count - 1) {
        this.stop();
        this.sync(true);
        return;
      }
      this.moveTo(this.index + 1);
    }, this.options.stepMs ?? 700);
    this.play.textContent = '❚❚';
    this.play.setAttribute('aria-label', 'Pause');
    this.play.setAttribute('aria-pressed', 'true');
    this.play.title = 'Pause (Space)';
  }

  private onKey(event: KeyboardEvent): void {
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.moveBy(-1),
      ArrowDown: () => this.moveBy(-1),
      ArrowRight: () => this.moveBy(1),
      ArrowUp: () => this.moveBy(1),
      Home: () => this.moveBy(-this.count),
      End: () => this.moveBy(this.count),
      ' ': () => this.toggle(),
    };
    const move = moves[event.key];
    if (!move || event.altKey || event.ctrlKey || event.metaKey) return;
    // The slider's own handling would move it twice; a button's would click it on Space.
    event.preventDefault();
    event.stopPropagation();
    move();
  }

  private sync(announce: boolean): void {
    const text = this.options.describe(this.index);
    this.slider.max = String(this.count - 1);
    this.slider.value = String(this.index);
    this.slider.setAttribute('aria-valuetext', text);
    this.slider.disabled = this.count < 2;
    // aria-disabled, not disabled: a button that keeps focus keeps the keyboard working at either end.
    this.back.setAttribute('aria-disabled', String(this.index === 0));
    this.forward.setAttribute('aria-disabled', String(this.index >= this.count - 1));
    this.play.setAttribute('aria-disabled', String(this.count < 2));
    this.position.textContent = text;
    if (announce) this.live.textContent = text;
  }
}
