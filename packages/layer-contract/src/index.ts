export { describeLateRegistration } from "./late-registration-contract.js";
export type { LayerOptions, LayerSubject, OpenRequest } from "./layer-subject.js";
export { describeWatchdog, type WatchedLayer } from "./watchdog-contract.js";
