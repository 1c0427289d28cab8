// One request through both layers, as an engine and a server call them: the header map
// is the only link between the API layer and the core. Shared by the compatibility apps.

/** Runs one request to its end and returns its handle. */
export function oneRequest(api, core, requestId) {
  const handle = api.startJourney({ requestId });
  const request = {
    requestId,
    traceHeaders: { ...handle.coreHeaders },
    promptTokens: 2,
    computedTokens: 0,
    outputTokens: 0,
    maxTokens: 1,
    preemptions: 0,
  };
  handle.handoffToCore();
  core.requestAdded(request, 0);
  core.requestScheduled(request, 1);
  request.computedTokens = 2;
  request.outputTokens = 1;
  core.requestProgressed(request, 1);
  handle.firstResponse();
  handle.setCoreLatencies(core.requestFinished(request, "length", 2));
  handle.departed();
  return handle;
}
