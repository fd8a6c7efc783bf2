/**
 * Runs a unit of work on a timer and whenever woken, never twice at once; a wake during a run triggers one more
 * run, so nothing that arrives mid-run waits for the next tick.
 */
import type { Logger } from 'pino';

export interface WorkerLoop {
  wake(): void;
  /** Holds runs until `resume` (a run already under way finishes). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /** Resolves when the current and any requested run are done. */
  idle(): Promise<void>;
}

export function startWorkerLoop(
  name: string,
  work: () => Promise<unknown>,
  intervalMs: number,
  log: Logger,
): WorkerLoop {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let paused = false;
  const run = (): void => {
    if (stopped || paused) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (e) {
          if (!stopped) log.error({ err: e, worker: name }, 'worker run failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    wake: () => setImmediate(run),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      setImmediate(run);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    async idle() {
      while (running) await running;
    },
  };
}
