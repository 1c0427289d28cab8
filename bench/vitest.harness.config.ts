import { defineProject } from "vitest/config";

// The demo server's harnesses, in the daily loop (`npm test`), on the built server as
// `npm run soak`, `npm run reliability:exporter-faults` and `npm run otlp-payload` run
// them: a short soak and its double-end() watch, and short exporter-fault and OTLP-payload
// measurements. The bench's own smoke run is `vitest.config.ts`, a release gate.
export default defineProject({
  test: {
    name: "load-harness",
    include: ["soak/**/*.test.ts", "reliability/**/*.test.ts", "payload/**/*.test.ts"],
  },
});
