// Bundles the viewer page's script (`src/viewer/page/main.ts` and the modules it imports)
// into the one file the server inlines into the page, and copies the page's markup and
// styles beside it, in `dist/viewer/page/`.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const page = new URL("../src/viewer/page/", import.meta.url);
const out = new URL("../dist/viewer/page/", import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [fileURLToPath(new URL("main.ts", page))],
  outfile: fileURLToPath(new URL("viewer.js", out)),
  bundle: true,
  format: "iife",
  target: "es2020",
  // Readable on purpose: it is the page's source as the browser's developer tools show it.
  minify: false,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "viewer.css"])
  copyFileSync(new URL(file, page), new URL(file, out));
