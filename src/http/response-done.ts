import type { ServerResponse } from "node:http";

/**
 * Calls `done` once, when the response has been handed to the network or the connection closed
 * before that (`aborted`). Either event alone misses a case: `finish` never fires for an aborted
 * request, and `close` fires a tick after `finish`.
 */
export function onResponseDone(res: ServerResponse, done: (aborted: boolean) => void): void {
  let called = false;
  const finish = (): void => {
    if (called) return;
    called = true;
    done(!res.writableFinished);
  };
  res.once("finish", finish);
  res.once("close", finish);
}
