import { existsSync, readFileSync } from "node:fs";
import { SIMULATED_MODEL } from "../engine/index.js";

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
  /** The model id the page's requests name. Default: the simulated model's. */
  model?: string;
}

const DEFAULT_TITLE = "llm-journey · journey viewer";
const DEFAULT_REFRESH_MS = 2000;
const MIN_REFRESH_MS = 100;
const DEFAULT_LIVE_REFRESH_MS = 1000;
const DEFAULT_STUCK_AFTER_MS = 10_000;

/**
 * The page's markup, styles and bundled script, which `scripts/build-viewer.mjs` builds into
 * `dist/viewer/page/`: beside this module once built, else in the package's `dist` (for
 * the sources under vitest).
 */
const PAGE = ["./page/", "../../dist/viewer/page/"]
  .map((path) => new URL(path, import.meta.url))
  .find((folder) => existsSync(new URL("viewer.js", folder)));
let assets: { html: string; styles: string; script: string } | undefined;

function pageAssets(): NonNullable<typeof assets> {
  if (assets !== undefined) return assets;
  if (PAGE === undefined) {
    throw new Error("the viewer page is not built: build @llm-journey/demo-server first");
  }
  const read = (file: string) => readFileSync(new URL(file, PAGE), "utf8");
  const script = read("viewer.js");
  // The script is inlined: it must not be able to close its own element.
  if (/<\/script/i.test(script)) throw new Error("the viewer's script contains </script");
  assets = { html: read("index.html"), styles: read("viewer.css"), script };
  return assets;
}

/**
 * The journey viewer: one self-contained HTML page (inline CSS and script, no external
 * resources) that polls `/debug/journeys?limit=50` and draws the selected journey's spans
 * on one time axis. The server renders it once at startup. Throws a RangeError on an
 * invalid `refreshMs`.
 */
export function renderViewerPage(options: ViewerPageOptions): string {
  const title = options.title ?? DEFAULT_TITLE;
  const refreshMs = interval(options.refreshMs ?? DEFAULT_REFRESH_MS, "refreshMs");
  const liveRefreshMs = interval(options.liveRefreshMs ?? DEFAULT_LIVE_REFRESH_MS, "liveRefreshMs");
  const stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  if (!Number.isFinite(stuckAfterMs) || stuckAfterMs < 0) {
    throw new RangeError(`stuckAfterMs must be a number >= 0, got ${String(stuckAfterMs)}`);
  }
  const { html, styles, script } = pageAssets();
  const config = {
    refreshMs,
    model: options.model ?? SIMULATED_MODEL.id,
    liveRefreshMs,
    stuckAfterMs,
  };
  const values: Record<string, string> = {
    title: escapeHtml(title),
    every: refreshMs % 1000 === 0 ? `${refreshMs / 1000} s` : `${refreshMs} ms`,
    stuckAfterSeconds: String(stuckAfterMs / 1000),
    styles,
    // "<" escaped, so no "</script" can form in the JSON.
    config: JSON.stringify(config).replace(/</g, "\\u003c"),
    script,
  };
  // The markup's placeholders are `{{name}}`, in a comment or a string where a checker
  // reads them; a function, so that no "$" in the script is read as a replacement pattern.
  return html.replace(/\/\* \{\{(\w+)\}\} \*\/|"\{\{(\w+)\}\}"|\{\{(\w+)\}\}/g, (...match) => {
    const name = (match[1] ?? match[2] ?? match[3]) as string;
    return values[name] ?? "";
  });
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
