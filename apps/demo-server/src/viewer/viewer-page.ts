import { SIMULATED_MODEL_ID } from "../http/info-routes.js";
import { liveViewScript } from "./live-view-script.js";
import { viewerScript } from "./viewer-script.js";
import { VIEWER_STYLES } from "./viewer-styles.js";

/** Options of {@link renderViewerPage}. */
export interface ViewerPageOptions {
  /** The page title and heading. Default `llm-journey · journey viewer`. */
  title?: string;
  /** How often the page polls `/debug/journeys` while auto-refresh is on, in ms. Default 2000. */
  refreshMs?: number;
  /** How often the "In flight" panel polls `/debug/journeys?state=active`, in ms. Default 1000. */
  liveRefreshMs?: number;
  /** Requests in flight longer than this are highlighted, until changed on the page. Default 10 000 ms. */
  stuckAfterMs?: number;
}

const DEFAULT_TITLE = "llm-journey · journey viewer";
const DEFAULT_REFRESH_MS = 2000;
const MIN_REFRESH_MS = 100;
const DEFAULT_LIVE_REFRESH_MS = 1000;
const DEFAULT_STUCK_AFTER_MS = 10_000;

/**
 * The journey viewer: one self-contained HTML page (inline CSS and script, no external
 * resources) that polls `/debug/journeys?limit=50` and draws the selected journey's spans
 * on one time axis. Pure: the server renders it once at startup. Throws a RangeError on
 * an invalid `refreshMs`.
 */
export function renderViewerPage(options: ViewerPageOptions): string {
  const title = options.title ?? DEFAULT_TITLE;
  const refreshMs = interval(options.refreshMs ?? DEFAULT_REFRESH_MS, "refreshMs");
  const liveRefreshMs = interval(options.liveRefreshMs ?? DEFAULT_LIVE_REFRESH_MS, "liveRefreshMs");
  const stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  if (!Number.isFinite(stuckAfterMs) || stuckAfterMs < 0) {
    throw new RangeError(`stuckAfterMs must be a number >= 0, got ${String(stuckAfterMs)}`);
  }
  const every = refreshMs % 1000 === 0 ? `${refreshMs / 1000} s` : `${refreshMs} ms`;
  const heading = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading}</title>
<link rel="icon" href="data:,">
<style>${VIEWER_STYLES}</style>
</head>
<body>
<header class="page-header">
  <div>
    <h1>${heading}</h1>
    <p class="subtitle">Request journeys traced by <strong>llm-journey</strong>: the API span
      (<code>llm_request</code>) and the engine core span (<code>llm_core</code>) of each request.</p>
    <p class="subtitle"><span class="sim-badge">Simulated model</span> Step times are modelled and
      the generated text is placeholder: these are not a real LLM's timings.</p>
  </div>
  <div class="controls">
    <label class="toggle"><input type="checkbox" id="auto-refresh" data-testid="auto-refresh" checked>
      Auto-refresh every ${every}</label>
    <button type="button" id="refresh-now" data-testid="refresh-now">Refresh now</button>
    <span id="last-updated" class="muted" aria-live="polite"></span>
  </div>
</header>
<main>
  <div id="error-state" data-testid="error-state" class="error-state" role="alert" hidden></div>
  <section id="in-flight" data-testid="in-flight" class="panel">
    <div class="panel-head">
      <h2>In flight <span id="in-flight-count" data-testid="in-flight-count" class="muted"></span></h2>
      <label class="muted">Highlight older than
        <input type="number" id="stuck-after" data-testid="stuck-after" min="0" step="1" value="${stuckAfterMs / 1000}"> s</label>
    </div>
    <div id="in-flight-error" data-testid="in-flight-error" class="error-state" role="alert" hidden></div>
    <p id="in-flight-empty" data-testid="in-flight-empty" class="muted">Nothing in flight right now.</p>
    <div class="table-scroll">
      <table id="in-flight-list" data-testid="in-flight-list" class="journeys in-flight" hidden>
        <thead><tr>
          <th>Request id</th><th class="num">Age (s)</th><th>Phase</th><th class="num">Prefill</th>
          <th class="num">Decode</th><th class="num">Preemptions</th><th>Last event</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <p id="loading" class="muted">Loading journeys…</p>
  <section id="empty-state" data-testid="empty-state" class="panel empty-state" hidden>
    <h2>No journeys yet — send a request:</h2>
    <pre><code id="sample-curl"></code></pre>
    <p class="muted">Each finished request appears here within ${every} while auto-refresh is on.</p>
  </section>
  <div id="content" hidden>
    <section class="panel">
      <div class="panel-head"><h2>Recent journeys</h2><span id="journey-count" class="muted"></span></div>
      <div class="table-scroll">
        <table id="journey-list" data-testid="journey-list" class="journeys">
          <thead><tr>
            <th>Request id</th><th class="num">Started</th><th>Status</th><th class="num">TTFT (ms)</th>
            <th class="num" title="End to end">E2E (ms)</th><th class="num">Preemptions</th><th class="num">Spans</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>
    <section id="details" class="panel" hidden>
      <div class="panel-head">
        <h2>Journey <span id="detail-id" class="mono"></span></h2>
        <span id="detail-status" data-testid="detail-status" class="pill"></span>
      </div>
      <dl id="summary" class="summary"></dl>
      <div class="legend" aria-label="Legend">
        <span><i class="swatch queue"></i>queue (waiting, or preempted)</span>
        <span><i class="swatch prefill"></i>prefill</span>
        <span><i class="swatch decode"></i>decode</span>
        <span><i class="swatch streaming"></i>streaming to the client</span>
        <span><i class="swatch idle"></i>rest of the span</span>
        <span><i class="swatch marker"></i>event (hover for attributes)</span>
        <span><i class="swatch mine"></i>step: this request's tokens</span>
        <span><i class="swatch shared"></i>other traced requests'</span>
        <span><i class="swatch untraced"></i>untraced requests'</span>
      </div>
      <div id="timeline" data-testid="timeline" class="timeline"></div>
      <section id="steps" data-testid="steps" class="steps">
        <h3>Scheduler steps it shared <span class="muted">(sampled <code>llm_step</code> spans linked to this request; hover a step in the timeline for its batch)</span></h3>
        <p id="steps-note" data-testid="steps-note" class="muted" hidden></p>
        <div id="step-table-wrap" class="table-scroll" hidden>
          <table id="step-table" data-testid="step-table" class="events steps-table">
            <thead><tr>
              <th class="num">Step</th><th class="num">t (ms)</th><th class="num">Duration (ms)</th><th>Kept</th>
              <th>This request</th><th>Shared with</th><th>Batch (tokens by whose)</th>
              <th class="num">Running / waiting</th><th class="num">KV blocks</th><th class="num">Preempted</th>
            </tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
      <h3>Events <span class="muted">(ms from the start of the API span)</span></h3>
      <div class="table-scroll">
        <table id="event-table" data-testid="event-table" class="events">
          <thead><tr>
            <th class="num">t (ms)</th><th class="num">Δ (ms)</th><th>Span</th><th>Event</th><th>Attributes</th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <details><summary>Span attributes</summary><div id="span-attributes"></div></details>
    </section>
  </div>
</main>
<script>${viewerScript({ refreshMs, model: SIMULATED_MODEL_ID })}</script>
<script>${liveViewScript({ refreshMs: liveRefreshMs, stuckAfterMs })}</script>
</body>
</html>
`;
}

function interval(value: number, name: string): number {
  if (!Number.isInteger(value) || value < MIN_REFRESH_MS) {
    throw new RangeError(
      `${name} must be an integer of at least ${MIN_REFRESH_MS}, got ${String(value)}`,
    );
  }
  return value;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
