import { defineProject } from "vitest/config";

// Packs, installs and type-checks every publishable package and the broken fixtures from
// scratch (a minute or more of two busy cores), and checks the workflows with GitHub's own
// parser. It runs before the other gates (groupOrder 0), which take the cores after it.
export default defineProject({
  // Vite would warn that the inlined parser's source maps point at sources it does not ship.
  logLevel: "error",
  test: {
    name: "release-gates",
    include: ["pack-and-install.test.ts", "workflows.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // GitHub's workflow parser imports its schema as JSON without an import attribute, which
    // Node refuses; inlined, vite loads it (workflow-rules.mjs).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
