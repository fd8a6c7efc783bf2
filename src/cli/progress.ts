/** A progress bar on stderr for long work; silent when stderr is not a terminal or the work is short. */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

export function progress(label: string, total: number, threshold = 200): Progress {
  if (!process.stderr.isTTY || total <= threshold) return SILENT;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
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
