/**
 * The viewer's "In flight" panel: polls `/debug/journeys?state=active` and lists the
 * requests in the server now, highlighting those older than the threshold set on the
 * page. It shares nothing with the journey viewer but the auto-refresh switch.
 */
import { byId, el, withAttributes } from "./dom.js";
import { messageOf } from "./span-data.js";

export function startLiveView(options: { refreshMs: number; stuckAfterMs: number }): void {
  const REFRESH_MS = options.refreshMs;
  const LIVE_ENDPOINT = "/debug/journeys?state=active&limit=100";
  let timer = null;
  let loading = false;
  let journeys = [];

  function num(value) {
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }
  function str(value) {
    return typeof value === "string" ? value : "";
  }
  function ratio(done, total) {
    return num(done) === null
      ? "—"
      : String(done) + (num(total) === null ? "" : ` / ${String(total)}`);
  }
  function stuckAfterMs() {
    const seconds = Number(byId<HTMLInputElement>("stuck-after").value);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : options.stuckAfterMs;
  }
  function polling() {
    const toggle = byId<HTMLInputElement>("auto-refresh");
    return (!toggle || toggle.checked) && !document.hidden;
  }

  function render() {
    const body = byId<HTMLTableElement>("in-flight-list").tBodies[0];
    const threshold = stuckAfterMs();
    const rows = [];
    let stuck = 0;
    journeys.forEach((journey) => {
      if (journey === null || typeof journey !== "object") return;
      const age = num(journey.ageMs);
      const isStuck = age !== null && age > threshold;
      if (isStuck) stuck++;
      const tr = el(
        "tr",
        isStuck ? "is-stuck" : "",
        el("td", "mono", str(journey.requestId)),
        el("td", "num", age === null ? "—" : (age / 1000).toFixed(1)),
        el("td", "", str(journey.phase) || "—"),
        el("td", "num", ratio(journey.prefillDoneTokens, journey.prefillTotalTokens)),
        el("td", "num", ratio(journey.decodeDoneTokens, journey.decodeMaxTokens)),
        el("td", "num", num(journey.preemptions) === null ? "—" : String(journey.preemptions)),
        el("td", "mono", str(journey.lastEvent)),
      );
      const stuckAttribute = isStuck ? "true" : "false";
      const attributes = {
        "data-request-id": str(journey.requestId),
        "data-stuck": stuckAttribute,
      };
      rows.push(withAttributes(tr, { "data-testid": "in-flight-row", ...attributes }));
    });
    body.replaceChildren.apply(body, rows);
    byId("in-flight-list").hidden = rows.length === 0;
    byId("in-flight-empty").hidden = rows.length > 0;
    byId("in-flight-count").textContent =
      rows.length === 0
        ? ""
        : `(${rows.length}${stuck > 0 ? `, ${stuck} older than the threshold` : ""})`;
  }

  function schedule() {
    clearTimeout(timer);
    timer = polling() ? setTimeout(load, REFRESH_MS) : null;
  }

  async function load() {
    if (loading) return;
    loading = true;
    try {
      const response = await fetch(LIVE_ENDPOINT, { headers: { accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      journeys = data && Array.isArray(data.journeys) ? data.journeys : [];
      byId("in-flight-error").hidden = true;
      render();
    } catch (error) {
      const box = byId("in-flight-error");
      box.textContent = `Could not load the requests in flight: ${messageOf(error)}`;
      box.hidden = false;
    } finally {
      loading = false;
      schedule();
    }
  }

  byId("stuck-after").addEventListener("input", render);
  const toggle = byId("auto-refresh");
  if (toggle)
    toggle.addEventListener("change", () => {
      if (polling()) load();
      else schedule();
    });
  document.addEventListener("visibilitychange", () => {
    if (polling()) load();
    else schedule();
  });
  load();
}
