/** Placeholder until the viewer lands. */
export function renderViewerPage(_options: { title?: string; refreshMs?: number }): string {
  return "<!doctype html><title>llm-journey</title><p>viewer</p>";
}
