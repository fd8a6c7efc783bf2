/** A TCP port free on 127.0.0.1 right now (the system picks it), for tools that start a throwaway node. */
import { createServer } from 'node:net';

export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was given'))));
    });
  });
}
