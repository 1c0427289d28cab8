export type { ViewerPageOptions } from "./viewer-page.js";
export { renderViewerPage } from "./viewer-page.js";
