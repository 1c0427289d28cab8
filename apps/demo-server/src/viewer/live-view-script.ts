/**
 * The browser script of the viewer's "In flight" panel, as source text: it polls
 * `/debug/journeys?state=active` and lists the requests in the server now, highlighting
 * those older than the threshold set on the page. Separate from the journey viewer's
 * script: the two share nothing but the auto-refresh switch. Like it, it builds every
 * node with `createElement` / `textContent`, and is written without template literals.
 */
export function liveViewScript(options: { refreshMs: number; stuckAfterMs: number }): string {
  return `
(function () {
  "use strict";

  var REFRESH_MS = ${options.refreshMs};
  var ENDPOINT = "/debug/journeys?state=active&limit=100";
  var timer = null;
  var loading = false;
  var journeys = [];

  function byId(id) { return document.getElementById(id); }
  function cell(text, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }
  function num(value) { return typeof value === "number" && isFinite(value) ? value : null; }
  function str(value) { return typeof value === "string" ? value : ""; }
  function ratio(done, total) {
    return num(done) === null ? "—" : String(done) + (num(total) === null ? "" : " / " + String(total));
  }
  function stuckAfterMs() {
    var seconds = Number(byId("stuck-after").value);
    return isFinite(seconds) && seconds >= 0 ? seconds * 1000 : ${options.stuckAfterMs};
  }
  function polling() {
    var toggle = byId("auto-refresh");
    return (!toggle || toggle.checked) && !document.hidden;
  }

  function render() {
    var body = byId("in-flight-list").tBodies[0];
    var threshold = stuckAfterMs();
    var rows = [];
    var stuck = 0;
    journeys.forEach(function (journey) {
      if (journey === null || typeof journey !== "object") return;
      var age = num(journey.ageMs);
      var isStuck = age !== null && age > threshold;
      if (isStuck) stuck++;
      var tr = document.createElement("tr");
      tr.setAttribute("data-testid", "in-flight-row");
      tr.setAttribute("data-request-id", str(journey.requestId));
      tr.setAttribute("data-stuck", isStuck ? "true" : "false");
      if (isStuck) tr.className = "is-stuck";
      tr.appendChild(cell(str(journey.requestId), "mono"));
      tr.appendChild(cell(age === null ? "—" : (age / 1000).toFixed(1), "num"));
      tr.appendChild(cell(str(journey.phase) || "—"));
      tr.appendChild(cell(ratio(journey.prefillDoneTokens, journey.prefillTotalTokens), "num"));
      tr.appendChild(cell(ratio(journey.decodeDoneTokens, journey.decodeMaxTokens), "num"));
      tr.appendChild(cell(num(journey.preemptions) === null ? "—" : String(journey.preemptions), "num"));
      tr.appendChild(cell(str(journey.lastEvent), "mono"));
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    byId("in-flight-list").hidden = rows.length === 0;
    byId("in-flight-empty").hidden = rows.length > 0;
    byId("in-flight-count").textContent = rows.length === 0 ? "" :
      "(" + rows.length + (stuck > 0 ? ", " + stuck + " older than the threshold" : "") + ")";
  }

  function schedule() {
    clearTimeout(timer);
    timer = polling() ? setTimeout(load, REFRESH_MS) : null;
  }

  function load() {
    if (loading) return;
    loading = true;
    fetch(ENDPOINT, { headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        journeys = data && Array.isArray(data.journeys) ? data.journeys : [];
        byId("in-flight-error").hidden = true;
        render();
      })
      .catch(function (error) {
        var box = byId("in-flight-error");
        box.textContent = "Could not load the requests in flight: " + (error && error.message ? error.message : String(error));
        box.hidden = false;
      })
      .then(function () {
        loading = false;
        schedule();
      });
  }

  byId("stuck-after").addEventListener("input", render);
  var toggle = byId("auto-refresh");
  if (toggle) toggle.addEventListener("change", function () { if (polling()) load(); else schedule(); });
  document.addEventListener("visibilitychange", function () { if (polling()) load(); else schedule(); });
  load();
})();
`;
}
