import type { FastifyInstance } from 'fastify';

// Stopping an instance behind a load balancer without failing a request (SIGTERM):
//  1. stop accepting connections: the balancer's next connection is refused, which nginx retries
//     on another instance whatever the method (the request never reached this one);
//  2. answer every request already on an open connection, each with `Connection: close`, so the
//     balancer puts no further request on it; idle connections are closed as they appear;
//  3. when no connection is left (or after graceMs), close the app (hooks, database).
// /readyz answers 503 from step 1 on.

// By server: a plugin's encapsulated instance is another object, but shares the server.
const draining = new WeakSet<object>();

/** Whether this app is stopping (responses then close their connection). */
export function isDraining(app: FastifyInstance): boolean {
  return draining.has(app.server);
}

export async function drainAndClose(app: FastifyInstance, opts: { graceMs?: number } = {}): Promise<void> {
  const graceMs = opts.graceMs ?? 30_000;
  draining.add(app.server);
  const server = app.server;
  if (server.listening) {
    await new Promise<void>((resolve) => {
      const reaper = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        app.log.warn({ graceMs }, 'requests still running at the end of the grace period: closing their connections');
        server.closeAllConnections();
      }, graceMs);
      server.close(() => {
        clearInterval(reaper);
        clearTimeout(deadline);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
  await app.close();
}
