import { defineConfig } from "vitest/config";

// One vitest run over every workspace project, so CI gets one set of totals; the JSON
// report is what `.ci/run` turns into its closing `N passed, N failed` line.
export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "apps/*",
      "tooling/release",
      "tooling/compat",
      "tooling/phase3",
      "bench",
    ],
    reporters: ["default", "json"],
    outputFile: { json: ".test-artifacts/vitest-report.json" },
  },
});
