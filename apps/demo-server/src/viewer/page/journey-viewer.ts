/**
 * The journey viewer: polls `/debug/journeys?limit=50`, lists the journeys and draws the
 * selected one's spans on one time axis, with its events, phases and sampled steps.
 */
import { byId, el, gutterLabels, line, svgEl, withAttributes } from "./dom.js";
import {
  attrsOf,
  eventsOf,
  findEvent,
  findSpan,
  formatClock,
  formatMs,
  formatValue,
  isErrorStatus,
  isObject,
  messageOf,
  msSince,
  numAttr,
  shortName,
  spansOf,
  strAttr,
  toNs,
} from "./span-data.js";
import {
  applySteps,
  drawStepLane,
  loadSteps,
  renderSteps,
  STEP_LANE_HEIGHT,
  stepsOf,
} from "./step-lane.js";

export function startJourneyViewer(options: { refreshMs: number; model: string }): void {
  const REFRESH_MS = options.refreshMs;
  const MODEL = options.model;
  const ENDPOINT = "/debug/journeys?limit=50";
  const API_SCOPE = "llm-journey.api";
  const CORE_SCOPE = "llm-journey.scheduler";
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const ERROR_FINISH = { aborted: true, error: true, ignored: true };
  const KEY_ATTRIBUTES = ["schedule.kind", "finish.status", "reason", "error"];
  const CENTRED = { "text-anchor": "middle" };
  const MUTED = { "font-size": 11, fill: "#57606a" };

  const state = {
    journeys: [],
    // A journey is one request: requests sharing a client's trace id are told apart by request id.
    selectedKey: null,
    lastText: null,
    timer: null,
    inFlight: false,
    everLoaded: false,
  };

  function summarize(journey) {
    const spans = spansOf(journey);
    const api = findSpan(spans, "llm_request", API_SCOPE);
    const core = findSpan(spans, "llm_core", CORE_SCOPE);
    const requestId =
      typeof journey.requestId === "string" && journey.requestId
        ? journey.requestId
        : strAttr(api, "gen_ai.request.id") ||
          strAttr(core, "gen_ai.request.id") ||
          "(no request id)";

    let status = "—";
    let isError = spans.some(isErrorStatus);
    const aborted = findEvent(api, "api.ABORTED");
    const finished = findEvent(core, "journey.FINISHED");
    const finishStatus = strAttr(finished, "finish.status");
    if (aborted) {
      status = strAttr(aborted, "reason") || "aborted";
      isError = true;
    } else if (api) {
      if (isErrorStatus(api)) status = "error";
      else if (findEvent(api, "api.DEPARTED")) status = "OK";
      else {
        status = "no terminal event";
        isError = true;
      }
    } else if (finishStatus) {
      status = finishStatus;
      if (ERROR_FINISH[finishStatus]) isError = true;
    } else if (core) {
      status = "no terminal event";
      isError = true;
    }

    const ttft = numAttr(api, "gen_ai.latency.time_to_first_token");
    let ttftMs = ttft !== null ? ttft * 1000 : null;
    if (ttftMs === null) {
      const arrived = toNs(findEvent(api, "api.ARRIVED")?.timeUnixNano);
      const first = toNs(findEvent(api, "api.FIRST_RESPONSE_FROM_CORE")?.timeUnixNano);
      if (arrived !== null && first !== null) ttftMs = msSince(arrived, first);
    }

    const e2e = numAttr(api, "gen_ai.latency.e2e");
    const e2eMs = e2e !== null ? e2e * 1000 : (spanDurationMs(api) ?? spanDurationMs(core));
    const preemptions =
      numAttr(core, "num_preemptions") ??
      spans.flatMap(eventsOf).filter((event) => event.name === "journey.PREEMPTED").length;

    // The API span's start, else the earliest span's.
    const starts = spans.map((s) => toNs(s.startTimeUnixNano)).filter((t) => t !== null);
    const start =
      toNs(api?.startTimeUnixNano) ??
      starts.reduce((min, t) => (min === null || t < min ? t : min), null);

    return {
      traceId: typeof journey.traceId === "string" ? journey.traceId : "",
      requestId: requestId,
      key: `${typeof journey.traceId === "string" ? journey.traceId : ""} ${requestId}`,
      status: status,
      isError: isError,
      ttftMs: ttftMs,
      e2eMs: e2eMs,
      preemptions: preemptions,
      spanCount: spans.length,
      start: start,
      api: api,
      core: core,
      spans: spans,
    };
  }

  function textOr(value, fallback = "?") {
    return typeof value === "string" ? value : fallback;
  }

  function spanDurationMs(span) {
    if (!span) return null;
    const start = toNs(span.startTimeUnixNano);
    const end = toNs(span.endTimeUnixNano);
    return start !== null && end !== null ? msSince(start, end) : null;
  }

  // ---- the timeline model

  function sortedEvents(span, base) {
    return eventsOf(span)
      .map((event, index) => ({ event: event, index: index, ns: toNs(event.timeUnixNano) }))
      .filter((item) => item.ns !== null)
      .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.index - b.index))
      .map((item) => ({
        name: item.event.name,
        t: msSince(base, item.ns),
        attributes: attrsOf(item.event),
      }));
  }

  /**
   * The segment each event starts, as [kind, note]: core: queue (QUEUED or PREEMPTED until
   * the next SCHEDULED), prefill (SCHEDULED until FIRST_TOKEN, or until PREEMPTED before any
   * token), decode (FIRST_TOKEN, or a RESUME after it, until PREEMPTED or FINISHED); API:
   * streaming (FIRST_RESPONSE_FROM_CORE until DEPARTED or ABORTED). `null`: the event only
   * ends the open segment; events not listed leave it open.
   */
  const SEGMENT_STARTS = {
    "journey.QUEUED": () => ["queue", "waiting for the first schedule"],
    "journey.SCHEDULED": (event, decoding) =>
      decoding
        ? ["decode", "resumed (recompute, then decode)"]
        : strAttr(event, "schedule.kind") === "RESUME"
          ? ["prefill", "resumed before the first token"]
          : ["prefill", "until the first token"],
    "journey.FIRST_TOKEN": () => ["decode", "generating tokens"],
    "journey.PREEMPTED": () => ["queue", "preempted, waiting to resume"],
    "api.FIRST_RESPONSE_FROM_CORE": () => ["streaming", "responding to the client"],
    "journey.FINISHED": () => null,
    "api.DEPARTED": () => null,
    "api.ABORTED": () => null,
  };

  /** Shaded segments from a span's events (see `SEGMENT_STARTS`), the last one to `endMs`. */
  function deriveSegments(events, endMs) {
    const segments = [];
    let open = null;
    let decoding = false;
    const close = (t) => {
      if (open && t >= open.start) segments.push({ ...open, end: t });
      open = null;
    };
    events.forEach((event) => {
      const starts = SEGMENT_STARTS[event.name];
      if (starts === undefined) return;
      if (event.name === "journey.FIRST_TOKEN") decoding = true;
      const next = starts(event, decoding);
      close(event.t);
      if (next !== null) open = { kind: next[0], start: event.t, note: next[1] };
    });
    if (open && endMs !== null) close(Math.max(endMs, open.start));
    return segments;
  }

  function buildTimeline(summary) {
    const base = summary.start;
    if (base === null) return null;
    const rank = (s) => (s === summary.api ? 0 : s === summary.core ? 1 : 2);
    const startOf = (s) => toNs(s.startTimeUnixNano);
    const spans = summary.spans
      .filter((s) => startOf(s) !== null)
      .sort((a, b) => rank(a) - rank(b) || Math.sign(Number(startOf(a) - startOf(b))));
    const steps = summary.steps || [];
    const rows = spans.map((span) => {
      const start = msSince(base, startOf(span));
      const endNs = toNs(span.endTimeUnixNano);
      const end = endNs !== null ? msSince(base, endNs) : null;
      const events = sortedEvents(span, base);
      const layer = span === summary.api ? "API" : span === summary.core ? "core" : null;
      return {
        span,
        name: textOr(span.name, "(unnamed span)"),
        role: layer ?? textOr(span.scope, "span"),
        start,
        end: end ?? start,
        isError: isErrorStatus(span),
        events,
        segments: deriveSegments(events, end),
      };
    });
    if (!rows.length) return null;
    const times = [
      ...steps.flatMap((step) => [step.start, step.end]),
      ...rows.flatMap((row) => [row.start, row.end, ...row.events.map((event) => event.t)]),
    ];
    return { rows, lo: Math.min(...times), hi: Math.max(...times), steps };
  }

  // ---- rendering: the list

  function renderList() {
    const body = byId<HTMLTableElement>("journey-list").tBodies[0];
    const rows = state.journeys.map((summary) => {
      const selected = summary.key === state.selectedKey;
      const pill = el("span", pillClass(summary), summary.status);
      const tr = el(
        "tr",
        `${summary.isError ? "is-error" : ""} ${selected ? "is-selected" : ""}`.trim(),
        withAttributes(el("td", "mono request-id", summary.requestId), {
          title: summary.requestId,
        }),
        el("td", "num", formatClock(summary.start)),
        el("td", "", withAttributes(pill, { "data-testid": "journey-status" })),
        el("td", "num", formatMs(summary.ttftMs)),
        el("td", "num", formatMs(summary.e2eMs)),
        el("td", "num", summary.preemptions),
        el("td", "num", summary.spanCount),
      );
      withAttributes(tr, {
        "data-testid": "journey-row",
        "data-trace-id": summary.traceId,
        "data-request-id": summary.requestId,
        tabindex: "0",
        "aria-selected": String(selected),
      });

      tr.addEventListener("click", () => {
        select(summary, false);
      });
      tr.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(summary, true);
        }
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          const index = state.journeys.indexOf(summary) + (event.key === "ArrowDown" ? 1 : -1);
          const next = state.journeys[index];
          if (next) select(next, true);
        }
      });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
    byId("journey-count").textContent =
      `${state.journeys.length + (state.journeys.length === 1 ? " journey" : " journeys")}, newest first`;
  }

  function pillClass(summary) {
    return `pill ${summary.isError ? "err" : summary.status === "OK" ? "ok" : ""}`;
  }

  function select(summary, focus) {
    state.selectedKey = summary.key;
    renderList();
    renderDetails();
    if (focus) {
      const index = state.journeys.indexOf(summary);
      const row = byId<HTMLTableElement>("journey-list").tBodies[0].rows[index];
      if (row) row.focus();
    }
  }

  function selectedSummary() {
    return state.journeys.find((s) => s.key === state.selectedKey) || null;
  }

  // ---- rendering: the selected journey

  function renderDetails() {
    const summary = selectedSummary();
    const details = byId("details");
    if (!summary) {
      details.hidden = true;
      return;
    }
    details.hidden = false;
    byId("detail-id").textContent = summary.requestId;
    const pill = byId("detail-status");
    pill.textContent = summary.status;
    pill.className = pillClass(summary);
    summary.steps = stepsOf(summary, summary.start);
    renderSummary(summary);
    renderTimeline(summary);
    renderSteps(summary);
    renderEvents(summary);
    renderSpanAttributes(summary);
  }

  function renderSummary(summary) {
    const { api, core } = summary;
    const items = [["Trace id", summary.traceId || "—", true]];
    const model = strAttr(api, "gen_ai.request.model");
    if (model) items.push(["Model", model, false]);
    const inTokens = numAttr(api, "gen_ai.usage.input_tokens");
    const outTokens = numAttr(api, "gen_ai.usage.output_tokens");
    if (inTokens !== null || outTokens !== null) {
      items.push([
        "Tokens in / out",
        `${inTokens === null ? "—" : inTokens} / ${outTokens === null ? "—" : outTokens}`,
        false,
      ]);
    }
    items.push(["Time to first token", `${formatMs(summary.ttftMs)} ms`, false]);
    items.push(["End to end", `${formatMs(summary.e2eMs)} ms`, false]);
    [
      ["Queue", "gen_ai.latency.time_in_queue"],
      ["Prefill", "gen_ai.latency.time_in_model_prefill"],
      ["Decode", "gen_ai.latency.time_in_model_decode"],
    ].forEach(([name, key]) => {
      const seconds = numAttr(core, key) ?? numAttr(api, key);
      if (seconds !== null) items.push([`${name} (core)`, `${formatMs(seconds * 1000)} ms`, false]);
    });
    items.push(["Preemptions", String(summary.preemptions), false]);
    summary.spans.forEach((span) => {
      if (isErrorStatus(span) && isObject(span.status) && typeof span.status.message === "string") {
        items.push([`${span.name} error`, span.status.message, false]);
      }
    });
    const list = byId("summary");
    list.replaceChildren.apply(
      list,
      items.map(([term, value, wide]) =>
        el("div", wide ? "wide" : "", el("dt", "", term), el("dd", wide ? "mono" : "", value)),
      ),
    );
  }

  let measureContext = null;
  function textWidth(text, size, weight) {
    if (!measureContext) measureContext = document.createElement("canvas").getContext("2d");
    if (!measureContext) return text.length * size * 0.6;
    measureContext.font = `${weight || "400"} ${size}px ${FONT}`;
    return measureContext.measureText(text).width;
  }

  function niceStep(range, targetTicks) {
    const raw = range / Math.max(1, targetTicks);
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const residual = raw / magnitude;
    return (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
  }

  function markerLabel(event) {
    const details = ["schedule.kind", "finish.status", "reason"].map((key) => strAttr(event, key));
    return [shortName(event.name), ...details.filter(Boolean)].join(" · ");
  }

  function markerTooltip(event) {
    const attributes = Object.keys(event.attributes).filter((key) => key !== "event.type");
    const lines = attributes.map((key) => `${key} = ${formatValue(event.attributes[key])}`);
    return [`${event.name}  at ${formatMs(event.t)} ms`, ...lines].join("\n");
  }

  function markerColor(event) {
    const finish = strAttr(event, "finish.status");
    if (event.name === "api.ABORTED" || (finish && ERROR_FINISH[finish])) return "#cf222e";
    if (event.name === "journey.PREEMPTED") return "#9a6700";
    return "#24292f";
  }

  function renderTimeline(summary) {
    const host = byId("timeline");
    const model = buildTimeline(summary);
    if (!model) {
      host.replaceChildren(el("p", "muted", "This journey has no spans with valid times."));
      host.style.padding = "12px";
      return;
    }
    host.style.padding = "";
    const width = Math.max(720, Math.floor(host.clientWidth || 960));
    const GUTTER = 176,
      RIGHT = 24,
      AXIS = 30,
      LANE = 15,
      MAX_LANES = 6;
    const plot = width - GUTTER - RIGHT;
    const range = model.hi - model.lo > 0 ? model.hi - model.lo : 1;
    const step = niceStep(range, Math.floor(plot / 110));
    const lo = Math.floor(model.lo / step) * step;
    // A little room after the last event, so its marker does not sit on the edge.
    const hi = model.hi + (model.hi - lo) * 0.01 + 1e-6;
    const x = (t) => GUTTER + ((t - lo) / (hi - lo)) * plot;

    // Place labels in lanes under the bar so that neighbouring events do not overlap.
    const layouts = model.rows.map((row) => {
      const lanes = [];
      const markers = row.events.map((event) => {
        const label = markerLabel(event);
        const w = textWidth(label, 11, "400");
        const mx = x(event.t);
        const left = mx + 5 + w > width - 4 ? mx - 5 - w : mx + 5;
        // The first lane whose last label ends 8 px before this one, else a new lane.
        let lane = lanes.findIndex((end) => end + 8 <= left);
        if (lane < 0 && lanes.length < MAX_LANES) lane = lanes.push(-Infinity) - 1;
        if (lane >= 0) lanes[lane] = left + w;
        return { event, x: mx, label, left, lane };
      });
      return { row, markers, lanes: lanes.length };
    });

    const BAR_TOP = 16,
      BAR_H = 26;
    let height = AXIS;
    layouts.forEach((layout) => {
      layout.top = height;
      layout.height = BAR_TOP + BAR_H + (layout.lanes ? 10 + layout.lanes * LANE : 0) + 16;
      height += layout.height;
    });
    const stepLaneTop = height;
    if (model.steps.length) height += STEP_LANE_HEIGHT + 24;
    height += 4;

    const svg = svgEl("svg", {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": `Timeline of the spans of request ${summary.requestId}`,
    });

    // Axis and grid.
    const grid = svgEl("g", { "data-role": "axis" });
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    for (let k = Math.ceil(lo / step); k * step <= hi; k++) {
      const tick = Math.abs(k * step) < step / 1000 ? 0 : k * step;
      const gx = x(tick);
      const label = `${tick.toFixed(decimals)} ms`;
      const labelX = Math.min(gx, width - 4 - textWidth(label, 11, "400") / 2);
      grid.append(
        line(gx, AXIS - 6, gx, height - 4, { stroke: "#eaeef2", "stroke-width": 1 }),
        svgEl("text", { x: labelX, y: AXIS - 11, ...CENTRED, ...MUTED }, label),
      );
    }
    grid.append(line(GUTTER, AXIS - 6, GUTTER + plot, AXIS - 6, { stroke: "#d0d7de" }));
    svg.append(grid);

    layouts.forEach((layout, rowIndex) => {
      const { row, top } = layout;
      const barY = top + BAR_TOP;
      const group = svgEl("g", { class: "span-row" });
      if (rowIndex > 0) group.append(line(0, top, width, top, { stroke: "#eaeef2" }));

      // Gutter: span name, layer and duration.
      const detail = `${row.role + (row.isError ? " · ERROR" : "")} · ${formatMs(row.end - row.start)} ms`;
      group.append(...gutterLabels(barY, row.name, detail, row.isError ? "#cf222e" : undefined));

      const bx = x(row.start);
      const barTitle =
        `${row.name} (${textOr(row.span.kind)}, ${textOr(row.span.scope)})\n` +
        `${formatMs(row.start)} → ${formatMs(row.end)} ms  (${formatMs(row.end - row.start)} ms)`;
      const bar = {
        x: bx,
        y: barY,
        width: Math.max(2, x(row.end) - bx),
        height: BAR_H,
        rx: 4,
        fill: "#eef1f4",
        stroke: row.isError ? "#cf222e" : "#8c959f",
        "stroke-width": row.isError ? 1.5 : 1,
        "data-testid": "span-bar",
        "data-span-name": row.name,
      };
      group.append(svgEl("rect", bar, svgEl("title", {}, barTitle)));

      row.segments.forEach((segment) => {
        const sx = x(segment.start);
        const sw = Math.max(1.5, x(segment.end) - sx);
        const name = segment.kind;
        const ms = formatMs(segment.end - segment.start);
        const title = `${name}: ${ms} ms (${formatMs(segment.start)} → ${formatMs(segment.end)} ms)\n${segment.note}`;
        // The name and duration, else the name alone, else nothing: what fits in the segment.
        const label = [`${name} ${ms} ms`, name].find(
          (text) => textWidth(text, 11, "500") + 10 <= sw,
        );
        const labelAt = { x: sx + sw / 2, y: barY + BAR_H / 2 + 4, ...CENTRED };
        const labelStyle = {
          "font-size": 11,
          "font-weight": 500,
          fill: "#1f2328",
          "pointer-events": "none",
        };
        group.append(
          svgEl(
            "g",
            { class: "segment", "data-testid": "segment", "data-segment": segment.kind },
            svgEl("title", {}, title),
            svgEl("rect", {
              x: sx,
              y: barY + 1,
              width: sw,
              height: BAR_H - 2,
              class: `fill-${segment.kind}`,
            }),
            label !== undefined && svgEl("text", { ...labelAt, ...labelStyle }, label),
          ),
        );
      });

      const labels = svgEl("g", { class: "marker-labels" });
      layout.markers.forEach(({ event, x: mx, lane, left, label }) => {
        const color = markerColor(event);
        const labelY = barY + BAR_H + 10 + (lane + 1) * LANE - 3;
        const cy = top + 8;
        const s = 4.5;
        const leader = {
          stroke: color,
          "stroke-width": 1,
          "stroke-dasharray": "2 2",
          opacity: 0.7,
        };
        group.append(
          svgEl(
            "g",
            { class: "marker", "data-testid": "event-marker", "data-event-name": event.name },
            svgEl("title", {}, markerTooltip(event)),
            line(mx, cy, mx, barY + BAR_H, { class: "stem", stroke: color, "stroke-width": 1.5 }),
            lane >= 0 && line(mx, barY + BAR_H, mx, labelY - 9, leader),
            svgEl("path", {
              d: `M${mx} ${cy - s} L${mx + s} ${cy} L${mx} ${cy + s} L${mx - s} ${cy} Z`,
              fill: color,
              stroke: "#ffffff",
              "stroke-width": 1,
            }),
            // A wider invisible hit area makes the tooltip easy to reach.
            svgEl("rect", {
              x: mx - 5,
              y: top + 2,
              width: 10,
              height: BAR_TOP + BAR_H,
              fill: "transparent",
            }),
          ),
        );
        if (lane < 0) return;
        // Drawn after every stem and leader, with a white halo, so no line crosses a label.
        const fill = color === "#24292f" ? "#1f2328" : color;
        const at = { class: "marker-label", x: left, y: labelY, "font-size": 11, fill };
        labels.append(svgEl("text", { ...at, "data-event-label": event.name }, label));
      });
      svg.append(group, labels);
    });
    if (model.steps.length) drawStepLane(svg, model.steps, x, stepLaneTop, width);

    host.replaceChildren(svg);
  }

  function renderEvents(summary) {
    const base = summary.start;
    const rows =
      base === null
        ? []
        : summary.spans.flatMap((span) =>
            sortedEvents(span, base).map((event) => ({ span, event })),
          );
    rows.sort((a, b) => a.event.t - b.event.t);
    const body = byId<HTMLTableElement>("event-table").tBodies[0];
    if (!rows.length) {
      const cell = el("td", "muted", "No events recorded on this journey's spans.");
      cell.colSpan = 5;
      body.replaceChildren(el("tr", "", cell));
      return;
    }
    let previous = null;
    body.replaceChildren.apply(
      body,
      rows.map(({ span, event }) => {
        const finish = strAttr(event, "finish.status");
        const isError = event.name === "api.ABORTED" || (finish && ERROR_FINISH[finish]);
        const since = previous === null ? "" : `+${(event.t - previous).toFixed(3)}`;
        previous = event.t;
        const row = el(
          "tr",
          isError ? "is-error" : "",
          el("td", "num", event.t.toFixed(3)),
          el("td", "num muted", since),
          el("td", "mono", textOr(span.name)),
          el("td", "event-name", event.name),
          el("td", "", attributeChips(event.attributes, KEY_ATTRIBUTES)),
        );
        return withAttributes(row, { "data-testid": "event-row" });
      }),
    );
  }

  /** Each attribute as a `key=value` chip; those of `highlighted` stand out. */
  function attributeChips(attributes, highlighted: string[]) {
    const chips = Object.keys(attributes).map((key) => {
      const className = highlighted.includes(key) ? "attr key-attr" : "attr";
      return el("span", className, el("span", "k", `${key}=`), formatValue(attributes[key]));
    });
    return el("div", "attrs", ...chips);
  }

  function renderSpanAttributes(summary) {
    const host = byId("span-attributes");
    host.replaceChildren.apply(
      host,
      summary.spans.map((span) => {
        const title = `${textOr(span.name)}  ·  ${textOr(span.scope)}  ·  span ${textOr(span.spanId)}`;
        return el("div", "span-attrs", el("h4", "", title), attributeChips(attrsOf(span), []));
      }),
    );
  }

  // ---- loading

  function showError(message) {
    const box = byId("error-state");
    const kept = state.everLoaded ? ". Showing the last data received." : ".";
    const retrying = byId<HTMLInputElement>("auto-refresh").checked
      ? " Retrying automatically."
      : "";
    box.textContent = `Could not load journeys from ${ENDPOINT}: ${message}${kept}${retrying}`;
    box.hidden = false;
  }

  function apply(text) {
    const data = JSON.parse(text);
    if (!isObject(data) || !Array.isArray(data.journeys))
      throw new Error("unexpected response shape");
    state.journeys = data.journeys.filter(isObject).map(summarize);
    state.everLoaded = true;
    byId("loading").hidden = true;
    const empty = state.journeys.length === 0;
    byId("empty-state").hidden = !empty;
    byId("content").hidden = empty;
    if (empty) {
      state.selectedKey = null;
      return;
    }
    if (!selectedSummary()) state.selectedKey = state.journeys[0].key;
    renderList();
    renderDetails();
  }

  async function load() {
    if (state.inFlight) return;
    state.inFlight = true;
    // The steps are optional: a failure there is shown beside them, never instead of the journeys.
    const steps = loadSteps();
    try {
      const headers = { accept: "application/json" };
      const response = await fetch(ENDPOINT, { cache: "no-store", headers });
      if (!response.ok) {
        throw new Error(
          `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
        );
      }
      const text = await response.text();
      const stepsChanged = applySteps(await steps);
      byId("error-state").hidden = true;
      if (text !== state.lastText) {
        apply(text);
        state.lastText = text;
      } else if (stepsChanged && state.everLoaded && !byId("content").hidden) {
        renderDetails();
      }
      byId("last-updated").textContent = `Updated ${formatClock(BigInt(Date.now()) * 1000000n)}`;
    } catch (error) {
      showError(messageOf(error));
      if (!state.everLoaded) byId("loading").hidden = true;
    } finally {
      state.inFlight = false;
      schedule();
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = null;
    if (byId<HTMLInputElement>("auto-refresh").checked && !document.hidden)
      state.timer = setTimeout(load, REFRESH_MS);
  }

  function init() {
    const origin =
      location.origin && location.origin !== "null" ? location.origin : "http://127.0.0.1:8000";
    byId("sample-curl").textContent = [
      `curl ${origin}/v1/chat/completions \\`,
      "  -H 'content-type: application/json' \\",
      `  -d '{"model": "${MODEL}", "max_tokens": 32, "messages": [{"role": "user", "content": "Hello"}]}'`,
    ].join("\n");
    byId("auto-refresh").addEventListener("change", () => {
      if (byId<HTMLInputElement>("auto-refresh").checked) load();
      else schedule();
    });
    byId("refresh-now").addEventListener("click", load);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && byId<HTMLInputElement>("auto-refresh").checked) load();
      else schedule();
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        const summary = selectedSummary();
        if (summary && !byId("content").hidden) renderTimeline(summary);
      }, 100);
    });
    load();
  }

  init();
}
