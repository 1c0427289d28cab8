import { defineConfig } from "vitest/config";

// The release gates, `npm run test:release`: every package packed and installed on its own,
// both OpenTelemetry stacks installed from the registry, the workspace rebuilt without the
// legacy code, the bench smoke, and the workflows against GitHub's schema. Minutes of work
// that a release needs and a daily edit does not; CI runs them as a job of their own.
export default defineConfig({
  test: {
    projects: [
      "tooling/release/vitest.gates.config.ts",
      "tooling/compat",
      "tooling/phase3",
      "bench",
    ],
    reporters: ["default", "json"],
    outputFile: { json: ".test-artifacts/release-report.json" },
  },
});
