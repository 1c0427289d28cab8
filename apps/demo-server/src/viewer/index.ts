export { renderViewerPage } from "./viewer-page.js";
