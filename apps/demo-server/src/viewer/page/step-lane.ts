/**
 * The sampled scheduler steps a journey took part in: the `llm_step` spans of
 * `/debug/steps` whose links lead to the journey's `llm_core` span, drawn as a lane under
 * the timeline and listed in a table. It keeps the last answer of `/debug/steps` itself.
 */
import { byId, el, gutterLabels, line, svgEl, withAttributes } from "./dom.js";
import { formatMs, isObject, messageOf, msSince, numAttr, strAttr, toNs } from "./span-data.js";

/** The last `/debug/steps` answer: its text, its spans, or why there is none. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON is read defensively, field by field.
const stepsAnswer: { spans: any[]; lastText: string | null; error: string | null } = {
  spans: [],
  lastText: null,
  error: null,
};

const STEPS_ENDPOINT = "/debug/steps?limit=500";
const STEP_REASON_COLORS = { preemption: "#9a6700", slow: "#cf222e", rate: "#57606a" };
export const STEP_LANE_HEIGHT = 30;

/** Takes one /debug/steps answer ({ text } or { error }); true when it changed anything. */
export function applySteps(result) {
  const text = typeof result.text === "string" ? result.text : null;
  const error = typeof result.error === "string" ? result.error : null;
  if (text === stepsAnswer.lastText && error === stepsAnswer.error) return false;
  stepsAnswer.lastText = text;
  stepsAnswer.error = error;
  stepsAnswer.spans = [];
  if (text !== null) {
    try {
      const data = JSON.parse(text);
      if (isObject(data) && Array.isArray(data.steps))
        stepsAnswer.spans = data.steps.filter(isObject);
      else stepsAnswer.error = "unexpected response shape";
    } catch (_parseError) {
      stepsAnswer.error = "the answer is not JSON";
    }
  }
  return true;
}

export async function loadSteps() {
  try {
    const headers = { accept: "application/json" };
    const response = await fetch(STEPS_ENDPOINT, { cache: "no-store", headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { text: await response.text() };
  } catch (error) {
    return { error: messageOf(error) };
  }
}

function linksOf(span) {
  return Array.isArray(span.links)
    ? span.links.filter((link) => isObject(link) && typeof link.spanId === "string")
    : [];
}

/** The sampled steps linked to this journey's core span, in step order, in ms from base. */
export function stepsOf(summary, base) {
  const core = summary.core;
  if (!core || typeof core.spanId !== "string" || base === null) return [];
  const steps = [];
  stepsAnswer.spans.forEach((span) => {
    const links = linksOf(span);
    const mine = links.find(
      (link) =>
        link.spanId === core.spanId &&
        (typeof link.traceId !== "string" || link.traceId === core.traceId),
    );
    const startNs = toNs(span.startTimeUnixNano);
    if (!mine || startNs === null) return;
    const endNs = toNs(span.endTimeUnixNano);
    const others = links
      .filter((link) => link !== mine)
      .map((link) => ({
        requestId: strAttr(link, "gen_ai.request.id") || link.spanId,
        tokens: numAttr(link, "scheduler.request.tokens") || 0,
        phase: strAttr(link, "phase") || "",
      }));
    const mineTokens = numAttr(mine, "scheduler.request.tokens") || 0;
    const sharedTokens = others.reduce((sum, other) => sum + other.tokens, 0);
    const prefill = numAttr(span, "scheduler.batch.prefill_tokens");
    const decode = numAttr(span, "scheduler.batch.decode_seqs");
    const total = Math.max((prefill || 0) + (decode || 0), mineTokens + sharedTokens);
    const batchSize = numAttr(span, "scheduler.batch.size");
    const dropped = numAttr(span, "scheduler.links_dropped") || 0;
    const start = msSince(base, startNs);
    steps.push({
      step: numAttr(span, "scheduler.step"),
      start: start,
      end: endNs !== null ? Math.max(start, msSince(base, endNs)) : start,
      reason: strAttr(span, "scheduler.sample_reason") || "rate",
      running: numAttr(span, "scheduler.num_running"),
      waiting: numAttr(span, "scheduler.num_waiting"),
      prefill: prefill,
      decode: decode,
      batchSize: batchSize,
      kvUsed: numAttr(span, "scheduler.kv_blocks.used"),
      kvTotal: numAttr(span, "scheduler.kv_blocks.total"),
      preemptions: numAttr(span, "scheduler.num_preemptions"),
      mine: { tokens: mineTokens, phase: strAttr(mine, "phase") || "" },
      others: others,
      // Requests of the batch that are not traced, hence not linked.
      untraced: batchSize !== null ? Math.max(0, batchSize - links.length - dropped) : null,
      dropped: dropped,
      total: total,
      sharedTokens: sharedTokens,
      untracedTokens: Math.max(0, total - mineTokens - sharedTokens),
    });
  });
  steps.sort((a, b) => (a.step !== null && b.step !== null ? a.step - b.step : a.start - b.start));
  return steps;
}

function orDash(value) {
  return value === null || value === undefined ? "—" : String(value);
}
function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
function workOf(phase, tokens) {
  return phase === "DECODE"
    ? "decode"
    : `${phase ? phase.toLowerCase() : "computed"} ${plural(tokens, "token")}`;
}

function stepTooltip(step) {
  const shared = step.others.map(
    (other) => `${other.requestId} (${workOf(other.phase, other.tokens)})`,
  );
  if (step.untraced) shared.push(plural(step.untraced, "untraced request"));
  if (step.dropped) shared.push(`${plural(step.dropped, "traced request")} past the link cap`);
  return [
    `step ${orDash(step.step)} · kept: ${step.reason} · ${formatMs(step.end - step.start)} ms`,
    `this request: ${workOf(step.mine.phase, step.mine.tokens)}`,
    `shared with: ${shared.length ? shared.join(", ") : "nobody"}`,
    `batch: prefill ${orDash(step.prefill)} tokens, decode ${orDash(step.decode)} sequences`,
    `running ${orDash(step.running)} · waiting ${orDash(step.waiting)} · ` +
      `KV blocks ${orDash(step.kvUsed)} / ${orDash(step.kvTotal)} · preempted ${orDash(step.preemptions)}`,
  ].join("\n");
}

/** One lane under the span rows, on the same axis: each step's tokens, stacked by whose. */
export function drawStepLane(svg, steps, x, top, width) {
  const laneY = top + 12;
  const group = svgEl("g", { class: "step-lane", "data-testid": "step-lane" });
  group.append(line(0, top, width, top, { stroke: "#eaeef2" }));
  group.append(...gutterLabels(laneY, "llm_step", plural(steps.length, "sampled step")));
  steps.forEach((step) => {
    const sx = x(step.start);
    const sw = Math.max(4, x(step.end) - sx);
    const lane = { x: sx, y: laneY, width: sw, height: STEP_LANE_HEIGHT };
    const mark = svgEl(
      "g",
      {
        class: "step-mark",
        "data-testid": "step-mark",
        "data-step": orDash(step.step),
        "data-reason": step.reason,
      },
      svgEl("title", {}, stepTooltip(step)),
      svgEl("rect", { ...lane, class: "fill-step-bg" }),
    );
    // From the bottom: this request's tokens (at least 2 px, so a decode token shows
    // beside a long prefill), then other traced requests', then untraced requests'.
    const total = step.total > 0 ? step.total : 1;
    const mineHeight = Math.max(2, (STEP_LANE_HEIGHT * step.mine.tokens) / total);
    const rest = STEP_LANE_HEIGHT - mineHeight;
    const others = step.sharedTokens + step.untracedTokens;
    const parts: Array<[string, number]> = [
      ["mine", mineHeight],
      ["shared", others > 0 ? (rest * step.sharedTokens) / others : 0],
      ["untraced", others > 0 ? (rest * step.untracedTokens) / others : 0],
    ];
    let y = laneY + STEP_LANE_HEIGHT;
    parts.forEach(([whose, height]) => {
      if (!(height > 0)) return;
      y -= height;
      mark.append(svgEl("rect", { x: sx, y, width: sw, height, class: `fill-${whose}` }));
    });
    const stroke = STEP_REASON_COLORS[step.reason] || "#57606a";
    mark.append(svgEl("rect", { ...lane, fill: "none", stroke, "stroke-width": 1 }));
    group.appendChild(mark);
  });
  svg.appendChild(group);
}

function compositionBar(step) {
  const bar = el("span", "batch-bar");
  const total = step.total > 0 ? step.total : 1;
  [
    ["mine", step.mine.tokens],
    ["shared", step.sharedTokens],
    ["untraced", step.untracedTokens],
  ].forEach((part) => {
    if (!(part[1] > 0)) return;
    const piece = el("span", `bar-${part[0]}`);
    piece.style.width = `${Math.max(2, (100 * part[1]) / total)}%`;
    bar.appendChild(piece);
  });
  return bar;
}

export function renderSteps(summary) {
  const steps = summary.steps || [];
  const note = byId("steps-note");
  const wrap = byId("step-table-wrap");
  const body = byId<HTMLTableElement>("step-table").tBodies[0];
  if (stepsAnswer.error) {
    note.textContent = `Could not load the sampled steps from ${STEPS_ENDPOINT}: ${stepsAnswer.error}.`;
  } else if (!steps.length) {
    note.textContent =
      "None of this request's steps was sampled. Steps are kept at the step-tracing " +
      "sample rate (--step-tracing-sample-rate), and always when they preempt or are slower than " +
      "--step-tracing-slow-ms.";
  }
  note.hidden = steps.length > 0 && !stepsAnswer.error;
  wrap.hidden = steps.length === 0;
  const base = summary.start;
  body.replaceChildren.apply(
    body,
    steps.map((step) => {
      const chips = step.others.map((other) => {
        // Server ids are long (chatcmpl-<uuid>): the start tells them apart, the tooltip has it all.
        const id = other.requestId;
        const shown = id.length > 24 ? `${id.slice(0, 18)}…` : id;
        const work = ` ${workOf(other.phase, other.tokens)}`;
        return withAttributes(el("span", "attr shared-request", el("span", "mono", shown), work), {
          title: id,
        });
      });
      const untraced = `+ ${plural(step.untraced, "untraced request")}`;
      if (step.untraced) chips.push(el("span", "attr muted", untraced));
      if (step.dropped) chips.push(el("span", "attr muted", `+ ${step.dropped} past the link cap`));
      if (!chips.length) chips.push(el("span", "muted", "nobody"));
      const shared = withAttributes(el("div", "attrs", ...chips), { "data-testid": "shared-with" });
      const batch = ` prefill ${orDash(step.prefill)} tok · decode ${orDash(step.decode)} seq`;
      const row = el(
        "tr",
        "",
        el("td", "num", orDash(step.step)),
        el("td", "num", base === null ? "—" : step.start.toFixed(1)),
        el("td", "num", formatMs(step.end - step.start)),
        el("td", "", el("span", `reason reason-${step.reason}`, step.reason)),
        el("td", "", workOf(step.mine.phase, step.mine.tokens)),
        el("td", "", shared),
        el("td", "batch", compositionBar(step), el("span", "muted", batch)),
        el("td", "num", `${orDash(step.running)} / ${orDash(step.waiting)}`),
        el("td", "num", `${orDash(step.kvUsed)} / ${orDash(step.kvTotal)}`),
        el("td", "num", orDash(step.preemptions)),
      );
      return withAttributes(row, { "data-testid": "step-row" });
    }),
  );
}
