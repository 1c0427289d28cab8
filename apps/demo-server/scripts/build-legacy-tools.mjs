// Builds the legacy modes' comparison tool (`test/legacy/compare-streams.ts`) into
// `dist-harness/test/legacy/`, where docs/migrating.md runs it, as long as the legacy modes
// exist: Phase 3 deletes `test/legacy/`, and this step then has nothing to build.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = new URL("../test/legacy/compare-streams.ts", import.meta.url);
if (existsSync(entry)) {
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile: fileURLToPath(
      new URL("../dist-harness/test/legacy/compare-streams.js", import.meta.url),
    ),
    // It imports only types and Node's own modules: the bundle is the file itself.
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
}
