import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../core';
import { startExperimentWorker } from '../simulation';
import { out } from './cli-output';

function wholeNumber(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
    return Number(value);
  };
}

function duration(flag: string): (value: string) => number {
  return (value) => {
    const ms = /^(\d+)ms$/.exec(value);
    if (ms) return Number(ms[1]);
    try {
      return parseDuration(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** `cf worker`: runs queued council runs (persona experiments started with a queue) on this machine. */
export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the council runs of persona experiments queued on Redis (BullMQ) on this machine, with its own model host, until stopped (Ctrl-C)')
    .requiredOption('--queue <redis-url>', 'the Redis the experiments are queued on, e.g. redis://10.0.0.5:6379')
    .addOption(new Option('--model <backend>', 'the backend of runs whose variant names none').choices(['offline', 'ollama', 'openrouter']).default('offline'))
    .option('--concurrency <n>', 'runs at a time on this machine', wholeNumber('--concurrency', 1, 64), 1)
    .option('--stalled-after <duration>', 'a run whose worker stops answering this long goes to another worker (default 30s)', duration('--stalled-after'))
    .option('--timeout <duration>', 'how long one model request may take (default 30s)', duration('--timeout'))
    .addHelpText('after', '\nOn each machine with a model host:\n  cf worker --queue redis://HOST:6379 --model ollama\nthen, anywhere:\n  cf sim experiment fixtures/councils/harvest --variants variants.yaml --queue redis://HOST:6379')
    .action(async (options: { queue: string; model: 'offline' | 'ollama' | 'openrouter'; concurrency: number; stalledAfter?: number; timeout?: number }) => {
      const worker = await startExperimentWorker({
        queue: options.queue,
        model: options.model,
        concurrency: options.concurrency,
        ...(options.stalledAfter !== undefined ? { stalledAfterMs: options.stalledAfter } : {}),
        ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
        log: (line) => out(line),
      });
      out(`worker ${worker.name}: waiting for council runs on ${options.queue.replace(/\/\/[^@]*@/, '//***@')} (model ${options.model}, ${options.concurrency} at a time)`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await worker.close();
      out(`worker ${worker.name}: stopped after ${worker.finished} runs`);
    });
}
