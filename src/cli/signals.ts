/** Long-running commands (serve, demo): stop cleanly on SIGINT/SIGTERM, and check ports before starting. */
import { createServer } from 'node:net';
import { CliError } from './errors.ts';

/**
 * Installs SIGINT/SIGTERM handlers at once, so that a signal during a slow start (database migration) does not
 * kill the process halfway; returns the function to call with `close` once started, which answers whether a stop is already under way. The first signal closes
 * and exits 0; a second one while closing exits at once.
 */
export function stopOnSignal(what: string): (close: () => Promise<void>) => boolean {
  let close: (() => Promise<void>) | null = null;
  let signalled: NodeJS.Signals | null = null;
  const stop = () => {
    process.stderr.write(`\n${signalled}: stopping ${what}…\n`);
    close!().then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`error: while stopping ${what}: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    signalled = signal;
    if (close) stop();
    else process.stderr.write(`\n${signal}: stopping ${what} once it has started…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return (fn) => {
    close = fn;
    if (signalled) stop();
    return signalled !== null;
  };
}

/** Whether a TCP port can be listened on; port 0 always can. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The port an EADDRINUSE error is about, or null for any other error. */
export function portInUse(e: unknown): number | null {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err?.code !== 'EADDRINUSE') return null;
  return err.port ?? Number(/:(\d+)\s*$/.exec(err.message)?.[1] ?? Number.NaN);
}

/**
 * Checked before any database is opened: a second instance on the same ports is most likely a second instance
 * on the same data folder too, and should stop before touching it.
 */
export async function requireFreePorts(host: string, ports: number[], hint: string): Promise<void> {
  for (const port of ports)
    if (!(await portIsFree(host, port)))
      throw new CliError(`port ${port} on ${host} is already in use`, { hints: [hint] });
}
