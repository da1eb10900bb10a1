/** Shared between /readyz and the shutdown routine, so a draining process stops receiving traffic. */
export interface Readiness {
  isShuttingDown(): boolean;
  beginShutdown(): void;
}

export function createReadiness(): Readiness {
  let shuttingDown = false;
  return {
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
