import type { ServerResponse } from "node:http";

/**
 * A signal that fires when the client goes away before the response is complete.
 * The listener lives as long as the response object, so nothing outlives the request.
 */
export function clientDisconnectSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
