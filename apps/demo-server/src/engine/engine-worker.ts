/**
 * The engine worker thread's entry point: the simulated engine runs here, off the HTTP
 * event loop, and talks to `EngineClient` only by messages. Started by `EngineClient`
 * with the engine options as `workerData`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EngineHost } from "./engine-host.js";
import { type EngineOptionsInput, resolveEngineOptions } from "./engine-options.js";
import type { FromEngineMessage, ToEngineMessage } from "./engine-protocol.js";

const port = parentPort;
if (port === null) throw new Error("engine-worker must run in a worker thread");

const host = await EngineHost.create({
  options: resolveEngineOptions(workerData as EngineOptionsInput),
  post: (message: FromEngineMessage) => port.postMessage(message),
});
port.on("message", (message: ToEngineMessage) => host.handle(message));
port.postMessage({ type: "ready" } satisfies FromEngineMessage);
