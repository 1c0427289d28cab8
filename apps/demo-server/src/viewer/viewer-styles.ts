/** The viewer page's stylesheet: a light theme on the system font, no external resources. */
export const VIEWER_STYLES = `
:root {
  --bg: #f5f6f8;
  --panel: #ffffff;
  --border: #dde1e6;
  --text: #1f2328;
  --muted: #57606a;
  --accent: #0969da;
  --accent-soft: #ddf4ff;
  --error: #cf222e;
  --error-soft: #fff0f0;
  --ok: #1a7f37;
  --ok-soft: #dafbe1;
  --queue: #f5c451;
  --prefill: #74b0f4;
  --decode: #5fd08f;
  --streaming: #c9b6fb;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0;
  color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
[hidden] { display: none !important; }
.page-header {
  display: flex;
  flex-wrap: wrap;
  gap: 12px 24px;
  align-items: flex-end;
  justify-content: space-between;
  padding: 18px 24px 14px;
  background: var(--panel);
  border-bottom: 1px solid var(--border);
}
h1 { margin: 0; font-size: 20px; font-weight: 650; }
h1 .product { color: var(--accent); }
h2 { margin: 0; font-size: 15px; font-weight: 650; }
h3 { margin: 18px 0 8px; font-size: 14px; font-weight: 650; }
.subtitle { margin: 4px 0 0; color: var(--muted); max-width: 70ch; }
.sim-badge {
  display: inline-block;
  padding: 0 6px;
  border-radius: 4px;
  background: #fff4d6;
  color: #7a4d00;
  border: 1px solid #f0d58c;
  font-weight: 650;
  font-size: 12px;
  letter-spacing: 0.02em;
  text-transform: uppercase;
}
.controls { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.toggle { display: inline-flex; gap: 6px; align-items: center; cursor: pointer; user-select: none; }
.toggle input { width: 16px; height: 16px; margin: 0; accent-color: var(--accent); }
button {
  font: inherit;
  padding: 4px 12px;
  border: 1px solid var(--border);
  border-radius: 6px;
  background: #f6f8fa;
  color: var(--text);
  cursor: pointer;
}
button:hover { background: #eef1f4; }
button:focus-visible, .journeys tbody tr:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.muted { color: var(--muted); }
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
.panel {
  background: var(--panel);
  border: 1px solid var(--border);
  border-radius: 8px;
  padding: 14px 16px;
  margin-bottom: 16px;
}
.panel-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 10px; }
.error-state {
  margin-bottom: 16px;
  padding: 10px 14px;
  border: 1px solid #ffb3b8;
  border-left: 4px solid var(--error);
  border-radius: 6px;
  background: var(--error-soft);
  color: #82071e;
}
.empty-state h2 { font-size: 16px; margin-bottom: 8px; }
.empty-state pre {
  margin: 8px 0;
  padding: 10px 12px;
  overflow-x: auto;
  background: #f6f8fa;
  border: 1px solid var(--border);
  border-radius: 6px;
  font: 13px/1.5 var(--mono);
  white-space: pre-wrap;
  word-break: break-all;
}
.table-scroll { max-height: 360px; overflow: auto; border: 1px solid var(--border); border-radius: 6px; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 6px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2; }
th { font-size: 12px; font-weight: 600; color: var(--muted); background: #f6f8fa; white-space: nowrap; }
.journeys thead th { position: sticky; top: 0; z-index: 1; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: var(--mono); font-size: 12.5px; }
.journeys tbody tr { cursor: pointer; }
.journeys tbody tr:hover { background: #f6f8fa; }
.journeys tbody tr td:first-child { border-left: 3px solid transparent; }
.journeys tbody tr.is-error { background: var(--error-soft); }
.journeys tbody tr.is-error td:first-child { border-left-color: var(--error); }
.journeys tbody tr.is-selected { background: var(--accent-soft); }
.journeys tbody tr.is-selected td:first-child { border-left-color: var(--accent); }
.journeys tbody tr.is-selected.is-error td:first-child { border-left-color: var(--error); }
.request-id { max-width: 44ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
@media (max-width: 1100px) { .request-id { max-width: 22ch; } }
.pill {
  display: inline-block;
  padding: 0 8px;
  border-radius: 10px;
  font-size: 12px;
  font-weight: 600;
  line-height: 20px;
  white-space: nowrap;
  background: #eaeef2;
  color: var(--text);
}
.pill.ok { background: var(--ok-soft); color: #116329; }
.pill.err { background: #ffd8d3; color: #82071e; }
.summary {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 8px 16px;
  margin: 0 0 14px;
}
.summary div { min-width: 0; }
.summary div.wide { grid-column: span 2; }
.summary dt { font-size: 12px; color: var(--muted); }
.summary dd { margin: 0; overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin: 0 0 8px; font-size: 12.5px; color: var(--muted); }
.legend span { display: inline-flex; gap: 6px; align-items: center; }
.swatch { width: 14px; height: 12px; border-radius: 3px; border: 1px solid rgba(0, 0, 0, 0.25); }
.swatch.queue { background: var(--queue); }
.swatch.prefill { background: var(--prefill); }
.swatch.decode { background: var(--decode); }
.swatch.streaming { background: var(--streaming); }
.swatch.idle { background: #eef1f4; }
.swatch.marker { width: 9px; height: 9px; border: 0; border-radius: 0; background: #24292f; transform: rotate(45deg); }
.timeline { width: 100%; overflow-x: auto; border: 1px solid var(--border); border-radius: 6px; background: #fff; }
.timeline svg { display: block; }
.timeline text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.swatch.mine, .bar-mine { background: #0969da; }
.swatch.shared, .bar-shared { background: #a475f9; }
.swatch.untraced, .bar-untraced { background: #c9d1d9; }
.timeline .fill-mine { fill: #0969da; }
.timeline .fill-shared { fill: #a475f9; }
.timeline .fill-untraced { fill: #c9d1d9; }
.timeline .fill-step-bg { fill: #f6f8fa; }
.steps { margin-top: 4px; }
.steps-table td { vertical-align: top; white-space: nowrap; }
.steps-table td:nth-child(6) { white-space: normal; min-width: 260px; }
.shared-request { white-space: nowrap; }
.batch { white-space: nowrap; }
.batch-bar { display: inline-flex; width: 96px; height: 10px; border-radius: 3px; overflow: hidden;
  border: 1px solid var(--border); vertical-align: middle; background: #f6f8fa; }
.batch-bar > span { display: block; height: 100%; }
.reason { font-size: 12px; padding: 1px 6px; border-radius: 10px; border: 1px solid var(--border); }
.reason-preemption { color: #9a6700; border-color: #eed888; background: #fff8c5; }
.reason-slow { color: var(--error); border-color: #ffcecb; background: #ffebe9; }
.timeline .fill-queue { fill: var(--queue); }
.timeline .fill-prefill { fill: var(--prefill); }
.timeline .fill-decode { fill: var(--decode); }
.timeline .fill-streaming { fill: var(--streaming); }
.timeline .marker-label { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.timeline .marker:hover line.stem { stroke-width: 3; }
.timeline .segment:hover rect { filter: brightness(0.93); }
.events td { font-size: 13px; }
.events .event-name { font-family: var(--mono); font-size: 12.5px; white-space: nowrap; }
.events tr.is-error .event-name { color: var(--error); font-weight: 600; }
.attrs { display: flex; flex-wrap: wrap; gap: 3px 6px; }
.attr {
  display: inline-block;
  padding: 0 6px;
  border-radius: 4px;
  background: #f6f8fa;
  border: 1px solid #eaeef2;
  font: 12px/18px var(--mono);
  overflow-wrap: anywhere;
}
.attr .k { color: var(--muted); }
.attr.key-attr { background: #fff8c5; border-color: #eed888; }
details { margin-top: 14px; }
summary { cursor: pointer; color: var(--accent); }
.span-attrs h4 { margin: 10px 0 4px; font-size: 13px; font-family: var(--mono); }
.in-flight tbody tr { cursor: default; }
.in-flight tbody tr.is-stuck { background: #fff1e5; }
.in-flight tbody tr.is-stuck td:first-child { border-left-color: #bc4c00; }
#stuck-after { width: 5em; }
`;
