import { defineProject } from "vitest/config";

// The release tooling's own checks that take seconds: changesets, the release plan, the
// import direction, what users read.
export default defineProject({
  test: {
    name: "release",
    include: ["*.test.ts"],
    // The release gates, run by `npm run test:release` (vitest.gates.config.ts).
    exclude: ["pack-and-install.test.ts", "workflows.test.ts"],
    testTimeout: 60_000,
  },
});
