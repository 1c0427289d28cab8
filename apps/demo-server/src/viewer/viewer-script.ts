import { stepLaneScript } from "./step-lane-script.js";

/**
 * The viewer page's browser script, as source text. It builds every node with
 * `createElement` / `textContent` / `setAttribute`: nothing from the JSON reaches
 * `innerHTML`. Written without template literals so it can live in a raw string.
 */
export function viewerScript(options: { refreshMs: number; model: string }): string {
  // JSON.stringify of a string is a valid JS literal; "<" is escaped so no "</script" can form.
  const model = JSON.stringify(options.model).replace(/</g, "\\u003c");
  return String.raw`
(function () {
  "use strict";

  var REFRESH_MS = ${options.refreshMs};
  var MODEL = ${model};
  var ENDPOINT = "/debug/journeys?limit=50";
  var API_SCOPE = "llm-journey.api";
  var CORE_SCOPE = "llm-journey.scheduler";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var FONT = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif";
  var ERROR_FINISH = { aborted: true, error: true, ignored: true };
  var KEY_ATTRIBUTES = ["schedule.kind", "finish.status", "reason", "error"];
  var SEGMENT_LABELS = {
    queue: "queue",
    prefill: "prefill",
    decode: "decode",
    streaming: "streaming"
  };

  var state = {
    journeys: [],
    // A journey is one request: requests sharing a client's trace id are told apart by request id.
    selectedKey: null,
    lastText: null,
    timer: null,
    inFlight: false,
    everLoaded: false,
    steps: [],
    lastStepsText: null,
    stepsError: null
  };

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svgEl(tag, attributes, text) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) node.setAttribute(key, String(attributes[key]));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- reading the JSON defensively: any field may be missing or of the wrong type

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
  function attrsOf(holder) { return holder && isObject(holder.attributes) ? holder.attributes : {}; }
  function numAttr(holder, key) {
    var value = attrsOf(holder)[key];
    return typeof value === "number" && isFinite(value) ? value : null;
  }
  function strAttr(holder, key) {
    var value = attrsOf(holder)[key];
    return typeof value === "string" ? value : null;
  }

  // Unix nanoseconds exceed 2^53: keep them as BigInt and subtract a base before converting.
  function toNs(value) {
    if (typeof value === "string" && /^\d{1,30}$/.test(value)) return BigInt(value);
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    return null;
  }
  function msSince(base, ns) { return Number(ns - base) / 1e6; }

  function spansOf(journey) {
    return isObject(journey) && Array.isArray(journey.spans) ? journey.spans.filter(isObject) : [];
  }
  function eventsOf(span) {
    return span && Array.isArray(span.events)
      ? span.events.filter(function (event) { return isObject(event) && typeof event.name === "string"; })
      : [];
  }
  function findSpan(spans, name, scope) {
    return spans.find(function (s) { return s.name === name && s.scope === scope; }) ||
      spans.find(function (s) { return s.name === name; }) || null;
  }
  function findEvent(span, name) {
    return eventsOf(span).find(function (event) { return event.name === name; }) || null;
  }
  function isErrorStatus(span) { return !!span && isObject(span.status) && span.status.code === "ERROR"; }
  function shortName(name) { var dot = name.indexOf("."); return dot >= 0 ? name.slice(dot + 1) : name; }

  function formatValue(value) {
    if (Array.isArray(value)) return value.map(formatValue).join(", ");
    if (isObject(value)) return JSON.stringify(value);
    return String(value);
  }
  function formatMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "—";
    var abs = Math.abs(ms);
    if (abs < 10) return ms.toFixed(2);
    if (abs < 1000) return ms.toFixed(1);
    return Math.round(ms).toLocaleString("en-US");
  }
  function formatClock(ns) {
    if (ns === null) return "—";
    var date = new Date(Number(ns / 1000000n));
    var pad = function (n, width) { return String(n).padStart(width, "0"); };
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2) +
      "." + pad(date.getMilliseconds(), 3);
  }

  /** What the list shows for one journey. */
  function summarize(journey) {
    var spans = spansOf(journey);
    var api = findSpan(spans, "llm_request", API_SCOPE);
    var core = findSpan(spans, "llm_core", CORE_SCOPE);
    var requestId = typeof journey.requestId === "string" && journey.requestId
      ? journey.requestId
      : strAttr(api, "gen_ai.request.id") || strAttr(core, "gen_ai.request.id") || "(no request id)";

    var status = "—";
    var isError = spans.some(isErrorStatus);
    var aborted = findEvent(api, "api.ABORTED");
    var finished = findEvent(core, "journey.FINISHED");
    var finishStatus = strAttr(finished, "finish.status");
    if (aborted) {
      status = strAttr(aborted, "reason") || "aborted";
      isError = true;
    } else if (api) {
      if (isErrorStatus(api)) status = "error";
      else if (findEvent(api, "api.DEPARTED")) status = "OK";
      else { status = "no terminal event"; isError = true; }
    } else if (finishStatus) {
      status = finishStatus;
      if (ERROR_FINISH[finishStatus]) isError = true;
    } else if (core) {
      status = "no terminal event";
      isError = true;
    }

    var ttft = numAttr(api, "gen_ai.latency.time_to_first_token");
    var ttftMs = ttft !== null ? ttft * 1000 : null;
    if (ttftMs === null) {
      var arrived = toNs(findEvent(api, "api.ARRIVED") && findEvent(api, "api.ARRIVED").timeUnixNano);
      var first = toNs(findEvent(api, "api.FIRST_RESPONSE_FROM_CORE") && findEvent(api, "api.FIRST_RESPONSE_FROM_CORE").timeUnixNano);
      if (arrived !== null && first !== null) ttftMs = msSince(arrived, first);
    }

    var e2e = numAttr(api, "gen_ai.latency.e2e");
    var e2eMs = e2e !== null ? e2e * 1000 : spanDurationMs(api);
    if (e2eMs === null) e2eMs = spanDurationMs(core);

    var preemptions = numAttr(core, "num_preemptions");
    if (preemptions === null) {
      preemptions = 0;
      spans.forEach(function (span) {
        eventsOf(span).forEach(function (event) { if (event.name === "journey.PREEMPTED") preemptions++; });
      });
    }

    var starts = spans.map(function (s) { return toNs(s.startTimeUnixNano); }).filter(function (t) { return t !== null; });
    var start = api && toNs(api.startTimeUnixNano) !== null ? toNs(api.startTimeUnixNano) : minOf(starts);

    return {
      traceId: typeof journey.traceId === "string" ? journey.traceId : "",
      requestId: requestId,
      key: (typeof journey.traceId === "string" ? journey.traceId : "") + " " + requestId,
      status: status,
      isError: isError,
      ttftMs: ttftMs,
      e2eMs: e2eMs,
      preemptions: preemptions,
      spanCount: spans.length,
      start: start,
      api: api,
      core: core,
      spans: spans
    };
  }

  function spanDurationMs(span) {
    if (!span) return null;
    var start = toNs(span.startTimeUnixNano);
    var end = toNs(span.endTimeUnixNano);
    return start !== null && end !== null ? msSince(start, end) : null;
  }
  function minOf(values) {
    var min = null;
    values.forEach(function (v) { if (min === null || v < min) min = v; });
    return min;
  }

  // ---- the timeline model

  function sortedEvents(span, base) {
    return eventsOf(span)
      .map(function (event, index) { return { event: event, index: index, ns: toNs(event.timeUnixNano) }; })
      .filter(function (item) { return item.ns !== null; })
      .sort(function (a, b) { return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.index - b.index; })
      .map(function (item) {
        return { name: item.event.name, t: msSince(base, item.ns), attributes: attrsOf(item.event) };
      });
  }

  /**
   * Shaded segments from a span's events. Core: queue (QUEUED or PREEMPTED until the next
   * SCHEDULED), prefill (SCHEDULED until FIRST_TOKEN, or until PREEMPTED before any token),
   * decode (FIRST_TOKEN, or a RESUME after it, until PREEMPTED or FINISHED). API: streaming
   * (FIRST_RESPONSE_FROM_CORE until DEPARTED or ABORTED).
   */
  function deriveSegments(events, endMs) {
    var segments = [];
    var open = null;
    var firstTokenSeen = false;
    function close(t) {
      if (open && t >= open.start) segments.push({ kind: open.kind, start: open.start, end: t, note: open.note });
      open = null;
    }
    events.forEach(function (event) {
      switch (event.name) {
        case "journey.QUEUED":
          close(event.t);
          open = { kind: "queue", start: event.t, note: "waiting for the first schedule" };
          break;
        case "journey.SCHEDULED":
          close(event.t);
          open = firstTokenSeen
            ? { kind: "decode", start: event.t, note: "resumed (recompute, then decode)" }
            : { kind: "prefill", start: event.t, note: strAttr(event, "schedule.kind") === "RESUME" ? "resumed before the first token" : "until the first token" };
          break;
        case "journey.FIRST_TOKEN":
          firstTokenSeen = true;
          close(event.t);
          open = { kind: "decode", start: event.t, note: "generating tokens" };
          break;
        case "journey.PREEMPTED":
          close(event.t);
          open = { kind: "queue", start: event.t, note: "preempted, waiting to resume" };
          break;
        case "journey.FINISHED":
        case "api.DEPARTED":
        case "api.ABORTED":
          close(event.t);
          break;
        case "api.FIRST_RESPONSE_FROM_CORE":
          close(event.t);
          open = { kind: "streaming", start: event.t, note: "responding to the client" };
          break;
        default:
          break;
      }
    });
    if (open && endMs !== null) close(Math.max(endMs, open.start));
    return segments;
  }

  function buildTimeline(summary) {
    var spans = summary.spans.slice().filter(function (s) { return toNs(s.startTimeUnixNano) !== null; });
    var rank = function (s) { return s === summary.api ? 0 : s === summary.core ? 1 : 2; };
    spans.sort(function (a, b) {
      var byRank = rank(a) - rank(b);
      if (byRank !== 0) return byRank;
      var sa = toNs(a.startTimeUnixNano), sb = toNs(b.startTimeUnixNano);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    });
    var base = summary.start;
    if (base === null) return null;
    var lo = Infinity, hi = -Infinity;
    var steps = summary.steps || [];
    steps.forEach(function (step) { lo = Math.min(lo, step.start); hi = Math.max(hi, step.end); });
    var rows = spans.map(function (span) {
      var start = msSince(base, toNs(span.startTimeUnixNano));
      var endNs = toNs(span.endTimeUnixNano);
      var end = endNs !== null ? msSince(base, endNs) : null;
      var events = sortedEvents(span, base);
      lo = Math.min(lo, start);
      hi = Math.max(hi, end !== null ? end : start);
      events.forEach(function (event) { lo = Math.min(lo, event.t); hi = Math.max(hi, event.t); });
      return {
        span: span,
        name: typeof span.name === "string" ? span.name : "(unnamed span)",
        role: span === summary.api ? "API" : span === summary.core ? "core" : (typeof span.scope === "string" ? span.scope : "span"),
        start: start,
        end: end !== null ? end : start,
        isError: isErrorStatus(span),
        events: events,
        segments: deriveSegments(events, end)
      };
    });
    if (!rows.length) return null;
    return { rows: rows, lo: lo, hi: hi, steps: steps };
  }

  // ---- rendering: the list

  function renderList() {
    var body = byId("journey-list").tBodies[0];
    var rows = state.journeys.map(function (summary) {
      var tr = el("tr");
      tr.setAttribute("data-testid", "journey-row");
      tr.setAttribute("data-trace-id", summary.traceId);
      tr.setAttribute("data-request-id", summary.requestId);
      tr.setAttribute("tabindex", "0");
      tr.setAttribute("aria-selected", String(summary.key === state.selectedKey));
      if (summary.isError) tr.classList.add("is-error");
      if (summary.key === state.selectedKey) tr.classList.add("is-selected");

      var id = el("td", "mono request-id", summary.requestId);
      id.title = summary.requestId;
      tr.appendChild(id);
      tr.appendChild(el("td", "num", formatClock(summary.start)));
      var statusCell = el("td");
      var pill = el("span", "pill " + (summary.isError ? "err" : summary.status === "OK" ? "ok" : ""), summary.status);
      pill.setAttribute("data-testid", "journey-status");
      statusCell.appendChild(pill);
      tr.appendChild(statusCell);
      tr.appendChild(el("td", "num", formatMs(summary.ttftMs)));
      tr.appendChild(el("td", "num", formatMs(summary.e2eMs)));
      tr.appendChild(el("td", "num", summary.preemptions));
      tr.appendChild(el("td", "num", summary.spanCount));

      tr.addEventListener("click", function () { select(summary, false); });
      tr.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(summary, true); }
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          var index = state.journeys.indexOf(summary) + (event.key === "ArrowDown" ? 1 : -1);
          var next = state.journeys[index];
          if (next) select(next, true);
        }
      });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
    byId("journey-count").textContent =
      state.journeys.length + (state.journeys.length === 1 ? " journey" : " journeys") + ", newest first";
  }

  function select(summary, focus) {
    state.selectedKey = summary.key;
    renderList();
    renderDetails();
    if (focus) {
      var index = state.journeys.indexOf(summary);
      var row = byId("journey-list").tBodies[0].rows[index];
      if (row) row.focus();
    }
  }

  function selectedSummary() {
    return state.journeys.find(function (s) { return s.key === state.selectedKey; }) || null;
  }

  // ---- rendering: the selected journey

  function renderDetails() {
    var summary = selectedSummary();
    var details = byId("details");
    if (!summary) { details.hidden = true; return; }
    details.hidden = false;
    byId("detail-id").textContent = summary.requestId;
    var pill = byId("detail-status");
    pill.textContent = summary.status;
    pill.className = "pill " + (summary.isError ? "err" : summary.status === "OK" ? "ok" : "");
    summary.steps = stepsOf(summary, summary.start);
    renderSummary(summary);
    renderTimeline(summary);
    renderSteps(summary);
    renderEvents(summary);
    renderSpanAttributes(summary);
  }

  function renderSummary(summary) {
    var api = summary.api, core = summary.core;
    var items = [["Trace id", summary.traceId || "—", true]];
    var model = strAttr(api, "gen_ai.request.model");
    if (model) items.push(["Model", model, false]);
    var inTokens = numAttr(api, "gen_ai.usage.input_tokens");
    var outTokens = numAttr(api, "gen_ai.usage.output_tokens");
    if (inTokens !== null || outTokens !== null) {
      items.push(["Tokens in / out", (inTokens === null ? "—" : inTokens) + " / " + (outTokens === null ? "—" : outTokens), false]);
    }
    items.push(["Time to first token", formatMs(summary.ttftMs) + " ms", false]);
    items.push(["End to end", formatMs(summary.e2eMs) + " ms", false]);
    [["Queue", "gen_ai.latency.time_in_queue"], ["Prefill", "gen_ai.latency.time_in_model_prefill"],
     ["Decode", "gen_ai.latency.time_in_model_decode"]].forEach(function (pair) {
      var seconds = numAttr(core, pair[1]);
      if (seconds === null) seconds = numAttr(api, pair[1]);
      if (seconds !== null) items.push([pair[0] + " (core)", formatMs(seconds * 1000) + " ms", false]);
    });
    items.push(["Preemptions", String(summary.preemptions), false]);
    summary.spans.forEach(function (span) {
      if (isErrorStatus(span) && isObject(span.status) && typeof span.status.message === "string") {
        items.push([span.name + " error", span.status.message, false]);
      }
    });
    var list = byId("summary");
    list.replaceChildren.apply(list, items.map(function (item) {
      var wrap = el("div", item[2] ? "wide" : "");
      wrap.appendChild(el("dt", "", item[0]));
      wrap.appendChild(el("dd", item[2] ? "mono" : "", item[1]));
      return wrap;
    }));
  }

  var measureContext = null;
  function textWidth(text, size, weight) {
    if (!measureContext) measureContext = document.createElement("canvas").getContext("2d");
    if (!measureContext) return text.length * size * 0.6;
    measureContext.font = (weight || "400") + " " + size + "px " + FONT;
    return measureContext.measureText(text).width;
  }

  function niceStep(range, targetTicks) {
    var raw = range / Math.max(1, targetTicks);
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var residual = raw / magnitude;
    return (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
  }

  function markerLabel(event) {
    var label = shortName(event.name);
    var kind = strAttr(event, "schedule.kind");
    var finish = strAttr(event, "finish.status");
    var reason = strAttr(event, "reason");
    if (kind) label += " · " + kind;
    if (finish) label += " · " + finish;
    if (reason) label += " · " + reason;
    return label;
  }

  function markerTooltip(event) {
    var lines = [event.name + "  at " + formatMs(event.t) + " ms"];
    Object.keys(event.attributes).forEach(function (key) {
      if (key === "event.type") return;
      lines.push(key + " = " + formatValue(event.attributes[key]));
    });
    return lines.join("\n");
  }

  function markerColor(event) {
    var finish = strAttr(event, "finish.status");
    if (event.name === "api.ABORTED" || (finish && ERROR_FINISH[finish])) return "#cf222e";
    if (event.name === "journey.PREEMPTED") return "#9a6700";
    return "#24292f";
  }

  function renderTimeline(summary) {
    var host = byId("timeline");
    var model = buildTimeline(summary);
    if (!model) {
      host.replaceChildren(el("p", "muted", "This journey has no spans with valid times."));
      host.style.padding = "12px";
      return;
    }
    host.style.padding = "";
    var width = Math.max(720, Math.floor(host.clientWidth || 960));
    var GUTTER = 176, RIGHT = 24, AXIS = 30, LANE = 15, MAX_LANES = 6;
    var plot = width - GUTTER - RIGHT;
    var range = model.hi - model.lo;
    if (!(range > 0)) range = 1;
    var step = niceStep(range, Math.floor(plot / 110));
    var lo = Math.floor(model.lo / step) * step;
    // A little room after the last event, so its marker does not sit on the edge.
    var hi = model.hi + (model.hi - lo) * 0.01 + 1e-6;
    var x = function (t) { return GUTTER + ((t - lo) / (hi - lo)) * plot; };

    // Place labels in lanes under the bar so that neighbouring events do not overlap.
    var layouts = model.rows.map(function (row) {
      var lanes = [];
      var markers = row.events.map(function (event) {
        var label = markerLabel(event);
        var w = textWidth(label, 11, "400");
        var mx = x(event.t);
        var left = mx + 5 + w > width - 4 ? mx - 5 - w : mx + 5;
        var lane = -1;
        for (var i = 0; i < lanes.length; i++) { if (lanes[i] + 8 <= left) { lane = i; break; } }
        if (lane < 0 && lanes.length < MAX_LANES) { lanes.push(-Infinity); lane = lanes.length - 1; }
        if (lane >= 0) lanes[lane] = left + w;
        return { event: event, x: mx, label: label, left: left, lane: lane };
      });
      return { row: row, markers: markers, lanes: lanes.length };
    });

    var BAR_TOP = 16, BAR_H = 26;
    var height = AXIS;
    layouts.forEach(function (layout) {
      layout.top = height;
      layout.height = BAR_TOP + BAR_H + (layout.lanes ? 10 + layout.lanes * LANE : 0) + 16;
      height += layout.height;
    });
    var stepLaneTop = height;
    if (model.steps.length) height += STEP_LANE_HEIGHT + 24;
    height += 4;

    var svg = svgEl("svg", {
      width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "Timeline of the spans of request " + summary.requestId
    });

    // Axis and grid.
    var grid = svgEl("g", { "data-role": "axis" });
    var decimals = Math.max(0, -Math.floor(Math.log10(step)));
    for (var k = Math.ceil(lo / step); k * step <= hi; k++) {
      var tick = Math.abs(k * step) < step / 1000 ? 0 : k * step;
      var gx = x(tick);
      var tickLabel = tick.toFixed(decimals) + " ms";
      var half = textWidth(tickLabel, 11, "400") / 2;
      grid.appendChild(svgEl("line", { x1: gx, x2: gx, y1: AXIS - 6, y2: height - 4, stroke: "#eaeef2", "stroke-width": 1 }));
      grid.appendChild(svgEl("text", {
        x: Math.min(gx, width - 4 - half), y: AXIS - 11, "text-anchor": "middle", "font-size": 11, fill: "#57606a"
      }, tickLabel));
    }
    grid.appendChild(svgEl("line", { x1: GUTTER, x2: GUTTER + plot, y1: AXIS - 6, y2: AXIS - 6, stroke: "#d0d7de" }));
    svg.appendChild(grid);

    layouts.forEach(function (layout, rowIndex) {
      var row = layout.row;
      var top = layout.top;
      var barY = top + BAR_TOP;
      var group = svgEl("g", { "class": "span-row" });
      if (rowIndex > 0) {
        group.appendChild(svgEl("line", { x1: 0, x2: width, y1: top, y2: top, stroke: "#eaeef2" }));
      }

      // Gutter: span name, layer and duration.
      group.appendChild(svgEl("text", { x: 14, y: barY + 11, "font-size": 13, "font-weight": 600, fill: "#1f2328" }, row.name));
      group.appendChild(svgEl("text", {
        x: 14, y: barY + 26, "font-size": 11, fill: row.isError ? "#cf222e" : "#57606a"
      }, row.role + (row.isError ? " · ERROR" : "") + " · " + formatMs(row.end - row.start) + " ms"));

      var bx = x(row.start);
      var bw = Math.max(2, x(row.end) - bx);
      var bar = svgEl("rect", {
        x: bx, y: barY, width: bw, height: BAR_H, rx: 4,
        fill: "#eef1f4", stroke: row.isError ? "#cf222e" : "#8c959f", "stroke-width": row.isError ? 1.5 : 1,
        "data-testid": "span-bar", "data-span-name": row.name
      });
      bar.appendChild(svgEl("title", {}, row.name + " (" + (typeof row.span.kind === "string" ? row.span.kind : "?") +
        ", " + (typeof row.span.scope === "string" ? row.span.scope : "?") + ")\n" +
        formatMs(row.start) + " → " + formatMs(row.end) + " ms  (" + formatMs(row.end - row.start) + " ms)"));
      group.appendChild(bar);

      row.segments.forEach(function (segment) {
        var sx = x(segment.start);
        var sw = Math.max(1.5, x(segment.end) - sx);
        var seg = svgEl("g", { "class": "segment", "data-testid": "segment", "data-segment": segment.kind });
        seg.appendChild(svgEl("title", {}, SEGMENT_LABELS[segment.kind] + ": " + formatMs(segment.end - segment.start) +
          " ms (" + formatMs(segment.start) + " → " + formatMs(segment.end) + " ms)\n" + segment.note));
        seg.appendChild(svgEl("rect", {
          x: sx, y: barY + 1, width: sw, height: BAR_H - 2, "class": "fill-" + segment.kind
        }));
        var text = SEGMENT_LABELS[segment.kind] + " " + formatMs(segment.end - segment.start) + " ms";
        if (textWidth(text, 11, "500") + 10 > sw) text = SEGMENT_LABELS[segment.kind];
        if (textWidth(text, 11, "500") + 10 <= sw) {
          seg.appendChild(svgEl("text", {
            x: sx + sw / 2, y: barY + BAR_H / 2 + 4, "text-anchor": "middle", "font-size": 11,
            "font-weight": 500, fill: "#1f2328", "pointer-events": "none"
          }, text));
        }
        group.appendChild(seg);
      });

      var labels = svgEl("g", { "class": "marker-labels" });
      layout.markers.forEach(function (marker) {
        var color = markerColor(marker.event);
        var g = svgEl("g", { "class": "marker", "data-testid": "event-marker", "data-event-name": marker.event.name });
        g.appendChild(svgEl("title", {}, markerTooltip(marker.event)));
        var labelY = barY + BAR_H + 10 + (marker.lane + 1) * LANE - 3;
        var stemEnd = marker.lane >= 0 ? labelY - 9 : barY + BAR_H + 3;
        g.appendChild(svgEl("line", {
          "class": "stem", x1: marker.x, x2: marker.x, y1: top + 8, y2: barY + BAR_H, stroke: color, "stroke-width": 1.5
        }));
        if (marker.lane >= 0) {
          g.appendChild(svgEl("line", {
            x1: marker.x, x2: marker.x, y1: barY + BAR_H, y2: stemEnd, stroke: color,
            "stroke-width": 1, "stroke-dasharray": "2 2", opacity: 0.7
          }));
        }
        var s = 4.5, cy = top + 8;
        g.appendChild(svgEl("path", {
          d: "M" + marker.x + " " + (cy - s) + " L" + (marker.x + s) + " " + cy + " L" + marker.x + " " + (cy + s) +
            " L" + (marker.x - s) + " " + cy + " Z",
          fill: color, stroke: "#ffffff", "stroke-width": 1
        }));
        // A wider invisible hit area makes the tooltip easy to reach.
        g.appendChild(svgEl("rect", {
          x: marker.x - 5, y: top + 2, width: 10, height: BAR_TOP + BAR_H, fill: "transparent"
        }));
        if (marker.lane >= 0) {
          // Drawn after every stem and leader, with a white halo, so no line crosses a label.
          labels.appendChild(svgEl("text", {
            "class": "marker-label", x: marker.left, y: labelY, "font-size": 11,
            fill: color === "#24292f" ? "#1f2328" : color, "data-event-label": marker.event.name
          }, marker.label));
        }
        group.appendChild(g);
      });
      svg.appendChild(group);
      svg.appendChild(labels);
    });
    if (model.steps.length) drawStepLane(svg, model.steps, x, stepLaneTop, width);

    host.replaceChildren(svg);
  }

  function renderEvents(summary) {
    var base = summary.start;
    var rows = [];
    summary.spans.forEach(function (span) {
      if (base === null) return;
      sortedEvents(span, base).forEach(function (event) { rows.push({ span: span, event: event }); });
    });
    rows.sort(function (a, b) { return a.event.t - b.event.t; });
    var body = byId("event-table").tBodies[0];
    if (!rows.length) {
      var empty = el("tr");
      var cell = el("td", "muted", "No events recorded on this journey's spans.");
      cell.colSpan = 5;
      empty.appendChild(cell);
      body.replaceChildren(empty);
      return;
    }
    var previous = null;
    body.replaceChildren.apply(body, rows.map(function (item) {
      var event = item.event;
      var tr = el("tr");
      tr.setAttribute("data-testid", "event-row");
      var finish = strAttr(event, "finish.status");
      if (event.name === "api.ABORTED" || (finish && ERROR_FINISH[finish])) tr.classList.add("is-error");
      tr.appendChild(el("td", "num", event.t.toFixed(3)));
      tr.appendChild(el("td", "num muted", previous === null ? "" : "+" + (event.t - previous).toFixed(3)));
      previous = event.t;
      tr.appendChild(el("td", "mono", typeof item.span.name === "string" ? item.span.name : "?"));
      tr.appendChild(el("td", "event-name", event.name));
      var attrsCell = el("td");
      var list = el("div", "attrs");
      Object.keys(event.attributes).forEach(function (key) {
        var chip = el("span", KEY_ATTRIBUTES.indexOf(key) >= 0 ? "attr key-attr" : "attr");
        chip.appendChild(el("span", "k", key + "="));
        chip.appendChild(document.createTextNode(formatValue(event.attributes[key])));
        list.appendChild(chip);
      });
      attrsCell.appendChild(list);
      tr.appendChild(attrsCell);
      return tr;
    }));
  }

  function renderSpanAttributes(summary) {
    var host = byId("span-attributes");
    host.replaceChildren.apply(host, summary.spans.map(function (span) {
      var wrap = el("div", "span-attrs");
      wrap.appendChild(el("h4", "", (typeof span.name === "string" ? span.name : "?") +
        "  ·  " + (typeof span.scope === "string" ? span.scope : "?") +
        "  ·  span " + (typeof span.spanId === "string" ? span.spanId : "?")));
      var list = el("div", "attrs");
      var attributes = attrsOf(span);
      Object.keys(attributes).forEach(function (key) {
        var chip = el("span", "attr");
        chip.appendChild(el("span", "k", key + "="));
        chip.appendChild(document.createTextNode(formatValue(attributes[key])));
        list.appendChild(chip);
      });
      wrap.appendChild(list);
      return wrap;
    }));
  }

${stepLaneScript()}
  // ---- loading

  function showError(message) {
    var box = byId("error-state");
    box.textContent = "Could not load journeys from " + ENDPOINT + ": " + message +
      (state.everLoaded ? ". Showing the last data received." : ".") +
      (byId("auto-refresh").checked ? " Retrying automatically." : "");
    box.hidden = false;
  }

  function apply(text) {
    var data = JSON.parse(text);
    if (!isObject(data) || !Array.isArray(data.journeys)) throw new Error("unexpected response shape");
    state.journeys = data.journeys.filter(isObject).map(summarize);
    state.everLoaded = true;
    byId("loading").hidden = true;
    var empty = state.journeys.length === 0;
    byId("empty-state").hidden = !empty;
    byId("content").hidden = empty;
    if (empty) { state.selectedKey = null; return; }
    if (!selectedSummary()) state.selectedKey = state.journeys[0].key;
    renderList();
    renderDetails();
  }

  function load() {
    if (state.inFlight) return;
    state.inFlight = true;
    // The steps are optional: a failure there is shown beside them, never instead of the journeys.
    var steps = loadSteps();
    fetch(ENDPOINT, { cache: "no-store", headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + (response.statusText ? " " + response.statusText : ""));
        return response.text();
      })
      .then(function (text) {
        return steps.then(function (stepsResult) { return { text: text, steps: stepsResult }; });
      })
      .then(function (loaded) {
        var text = loaded.text;
        byId("error-state").hidden = true;
        var stepsChanged = applySteps(loaded.steps);
        if (text !== state.lastText) {
          apply(text);
          state.lastText = text;
        } else if (stepsChanged && state.everLoaded && !byId("content").hidden) {
          renderDetails();
        }
        byId("last-updated").textContent = "Updated " + formatClock(BigInt(Date.now()) * 1000000n);
      })
      .catch(function (error) {
        showError(error && error.message ? error.message : String(error));
        if (!state.everLoaded) byId("loading").hidden = true;
      })
      .then(function () {
        state.inFlight = false;
        schedule();
      });
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = null;
    if (byId("auto-refresh").checked && !document.hidden) state.timer = setTimeout(load, REFRESH_MS);
  }

  function init() {
    var origin = location.origin && location.origin !== "null" ? location.origin : "http://127.0.0.1:8000";
    byId("sample-curl").textContent =
      "curl " + origin + "/v1/chat/completions \\\n" +
      "  -H 'content-type: application/json' \\\n" +
      "  -d '{\"model\": \"" + MODEL + "\", \"max_tokens\": 32, \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}'";
    byId("auto-refresh").addEventListener("change", function () {
      if (byId("auto-refresh").checked) load(); else schedule();
    });
    byId("refresh-now").addEventListener("click", load);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && byId("auto-refresh").checked) load(); else schedule();
    });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        var summary = selectedSummary();
        if (summary && !byId("content").hidden) renderTimeline(summary);
      }, 100);
    });
    load();
  }

  init();
})();
`;
}
