import { readFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';

/** The process that writes a run: enough to tell later whether it is still alive. */
export interface RunOwner {
  host: string;
  /** This boot of the machine (Linux boot id, else the boot time to the minute). */
  boot: string;
  pid: number;
  /** When the process started, in the kernel's ticks since boot (Linux), to tell a reused pid apart; null elsewhere. */
  start: string | null;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `boot@${Math.round((Date.now() - uptime() * 1000) / 60_000)}`;
  }
}

/** Field 22 of /proc/<pid>/stat: the process's start time since boot, or null when it cannot be read. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

let self: RunOwner | null = null;

/** This process as a run owner. */
export function currentOwner(): RunOwner {
  self ??= { host: hostname(), boot: bootId(), pid: process.pid, start: processStart(process.pid) };
  return self;
}

/**
 * Whether the process that owned a run is gone: true (gone: the machine rebooted, the
 * pid is free or now another process), false (alive), or null when it ran on another
 * host and cannot be asked (the run's heartbeat decides then).
 */
export function ownerGone(owner: RunOwner): boolean | null {
  const here = currentOwner();
  if (owner.host !== here.host) return null;
  if (owner.boot !== here.boot) return true;
  if (owner.pid === here.pid) return owner.start !== here.start && owner.start !== null && here.start !== null;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: a process of another user holds the pid, which is alive.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  if (owner.start === null) return false;
  const start = processStart(owner.pid);
  return start !== null && start !== owner.start;
}

/** Reads an owner column back; null for a run written before owners were stored, or anything else. */
export function parseOwner(text: string | null): RunOwner | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<RunOwner>;
    if (typeof value.host === 'string' && typeof value.boot === 'string' && typeof value.pid === 'number') {
      return { host: value.host, boot: value.boot, pid: value.pid, start: typeof value.start === 'string' ? value.start : null };
    }
  } catch {
    // Not ours: treated as unknown.
  }
  return null;
}
