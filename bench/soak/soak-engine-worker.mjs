/**
 * The soak's engine worker: the real `engine-worker.js`, with the thread's double-`end()`
 * watch installed first. The soak starts the engine with this file as its `workerUrl`.
 */
import { answerSpanMisuseRequests } from "./span-misuse-watch.mjs";

answerSpanMisuseRequests();
await import("../../apps/demo-server/dist/engine/engine-worker.js");
