import type { RunEvent, RunLog } from '../runlog';

/**
 * The events a campfire shows of itself: those of the last logged run it took part in,
 * read back from the log when shown, then the ones no log holds (a run without a log,
 * cycles run on their own). Keeping a logged run's events in memory as well would make
 * every garbage collection copy thousands of them.
 */
export class CampfireHistory {
  private readonly unlogged: RunEvent[] = [];
  private loggedRun: { log: RunLog; runId: string } | null = null;

  constructor(
    private readonly campfire: string,
    /** How many events `events()` returns at most. */
    private readonly limit = 2000,
  ) {}

  /** From now on this campfire's events are in `runId` of `log`. */
  followRun(log: RunLog, runId: string): void {
    this.loggedRun = { log, runId };
    this.unlogged.length = 0;
  }

  /** Keeps an event that no log holds (the oldest go past twice the limit). */
  keep(event: RunEvent): void {
    this.unlogged.push(event);
    if (this.unlogged.length > 2 * this.limit) this.unlogged.splice(0, this.unlogged.length - this.limit);
  }

  /** The recent events, oldest first. */
  events(): RunEvent[] {
    let logged: RunEvent[] = [];
    if (this.loggedRun) {
      try {
        logged = this.loggedRun.log.events(this.loggedRun.runId, { campfire: this.campfire });
      } catch {
        // The log was closed or moved: show what this process still holds.
      }
    }
    // Numbered after the logged ones, so a reader that orders by seq keeps them last.
    const last = logged.length > 0 ? (logged[logged.length - 1] as RunEvent).seq : 0;
    const events = logged.length > 0 ? [...logged, ...this.unlogged.map((event, index) => ({ ...event, seq: last + index + 1 }))] : this.unlogged;
    return events.length > this.limit ? events.slice(-this.limit) : [...events];
  }
}
