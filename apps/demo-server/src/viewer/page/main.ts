/**
 * The viewer page's script: reads the options the server rendered into the page and
 * starts its two parts.
 */
import { startJourneyViewer } from "./journey-viewer.js";
import { startLiveView } from "./live-view.js";

const config = JSON.parse(document.getElementById("viewer-config")?.textContent ?? "{}");
startJourneyViewer({ refreshMs: config.refreshMs, model: config.model });
startLiveView({ refreshMs: config.liveRefreshMs, stuckAfterMs: config.stuckAfterMs });
