import { defineConfig } from "vitest/config";

// The release gates, `npm run test:release`: every package packed and installed on its own,
// both OpenTelemetry stacks installed from the registry, the workspace rebuilt without the
// legacy code, the bench smoke, and the workflows against GitHub's schema. Minutes of work
// that a release needs and a daily edit does not; CI runs them as a job of their own.
export default defineConfig({
  test: {
    // Each gate takes minutes of two busy cores; groupOrder runs them one after another so
    // that none slows down another's timing-sensitive tests.
    projects: [
      {
        // Vite would warn that the inlined parser's source maps name sources it does not ship.
        logLevel: "error",
        test: {
          name: "release-gates",
          include: ["tooling/release/{pack-and-install,workflows}.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // GitHub's workflow parser imports its schema as JSON without an import attribute,
          // which Node refuses; inlined, vite loads it.
          server: { deps: { inline: ["@actions/workflow-parser"] } },
        },
      },
      {
        test: {
          name: "compat",
          include: ["tooling/compat/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "phase3",
          include: ["tooling/phase3/*.test.ts"],
          testTimeout: 1_500_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 2 },
        },
      },
      "bench",
    ],
    reporters: ["default", "json"],
    outputFile: { json: ".test-artifacts/release-report.json" },
  },
});
