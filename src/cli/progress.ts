/** A progress bar on stderr for long work; silent when stderr is not a terminal or the work is short. */
import { Presets, SingleBar } from 'cli-progress';
import { printable } from './format.ts';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

export function progress(label: string, total: number, threshold = 200): Progress {
  if (!process.stderr.isTTY || total <= threshold) return SILENT;
  const bar = new SingleBar(
    {
      format: `${printable(label)} [{bar}] {value}/{total}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(done, total)),
    stop: () => bar.stop(),
  };
}

const MiB = 1024 * 1024;

/** A progress bar for bytes: done and total in MiB, rate, and time left. */
export function byteProgress(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total < 4 * MiB) return SILENT;
  const bar = new SingleBar(
    {
      format: `${printable(label)} [{bar}] {percentage}% {doneMiB}/{totalMiB} MiB  {rate} MiB/s  {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const began = Date.now();
  let first: number | null = null;
  const payload = (done: number) => {
    first ??= done;
    const seconds = (Date.now() - began) / 1000;
    return {
      doneMiB: (done / MiB).toFixed(1),
      totalMiB: (total / MiB).toFixed(1),
      rate: seconds > 0 ? ((done - first) / MiB / seconds).toFixed(1) : '-',
    };
  };
  bar.start(total, 0, payload(0));
  return {
    update: (done) => bar.update(Math.min(done, total), payload(done)),
    stop: () => bar.stop(),
  };
}
