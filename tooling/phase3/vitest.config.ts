import { defineProject } from "vitest/config";

// The Phase 3 check installs, builds and tests a copy of the whole workspace: minutes of
// two busy cores. It runs last (groupOrder 2), after the release checks, so that it never
// slows down another project's timing-sensitive tests.
export default defineProject({
  test: {
    name: "phase3",
    include: ["*.test.ts"],
    testTimeout: 1_500_000,
    hookTimeout: 60_000,
    sequence: { groupOrder: 2 },
  },
});
