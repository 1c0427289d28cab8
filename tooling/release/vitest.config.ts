import { defineProject } from "vitest/config";

// The pack-and-install test packs, installs and type-checks every publishable package and
// the broken fixtures from scratch: a minute or more of two busy cores. It runs after every
// other project (groupOrder 1), so that it never slows down their timing-sensitive tests.
export default defineProject({
  // Vite would warn that the inlined parser's source maps point at sources it does not ship.
  logLevel: "error",
  test: {
    include: ["*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    sequence: { groupOrder: 1 },
    // GitHub's workflow parser imports its schema as JSON without an import attribute, which
    // Node refuses; inlined, vite loads it (workflow-rules.mjs).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
