import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// The daily loop, `npm test`: every package's and app's tests (unit, integration, end to
// end, the viewer in Chromium), short runs of the demo server's soak and measurements
// (bench/vitest.harness.config.ts) and the tooling's own fast checks. The release gates, which
// pack, install from the registry and rebuild the workspace, are `npm run test:release`
// (vitest.release.config.ts). Each run writes a JSON report that `.ci/run` totals.
export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "apps/*",
      "bench/vitest.harness.config.ts",
      { test: { name: "api-report", include: ["tooling/api-report/*.test.ts"] } },
      // The release tooling's own checks that take seconds; its gates are in the release config.
      {
        test: {
          name: "release",
          include: ["tooling/release/*.test.ts"],
          exclude: ["**/pack-and-install.test.ts", "**/workflows.test.ts"],
          testTimeout: 60_000,
        },
      },
    ],
    // Most files wait on servers, sockets and Chromium rather than compute: twice as many
    // workers as cores halves the run on two cores, where vitest's default is one worker.
    maxWorkers: availableParallelism() * 2,
    reporters: ["default", "json"],
    outputFile: { json: ".test-artifacts/vitest-report.json" },
  },
});
