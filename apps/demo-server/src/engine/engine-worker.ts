/**
 * The engine worker thread's entry point: the engine runs here, off the HTTP event loop,
 * and talks to `EngineClient` only by messages. Started by `EngineClient` with the engine
 * options as `workerData`: the simulated engine, or llama.cpp when they name it (loaded
 * only then, so the simulated engine never loads node-llama-cpp).
 */
import { parentPort, workerData } from "node:worker_threads";
import { EngineHost } from "./engine-host.js";
import { type EngineOptionsInput, resolveEngineOptions } from "./engine-options.js";
import type { FromEngineMessage, ToEngineMessage } from "./engine-protocol.js";
import type { WorkerHost } from "./worker-host.js";

const port = parentPort;
if (port === null) throw new Error("engine-worker must run in a worker thread");

const options = resolveEngineOptions(workerData as EngineOptionsInput);
const post = (message: FromEngineMessage) => port.postMessage(message);
const host: WorkerHost =
  options.llamaCpp === undefined
    ? await EngineHost.create({ options, post })
    : await (await import("./llama-engine-host.js")).LlamaEngineHost.create({ options, post });
port.on("message", (message: ToEngineMessage) => host.handle(message));
port.postMessage({ type: "ready" } satisfies FromEngineMessage);
