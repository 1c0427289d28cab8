import { defineProject } from "vitest/config";

// The compatibility check installs two scratch projects from the registry (one on a Node
// 22 it installs first) and serves requests in each: half a minute or more of two busy
// cores. It runs after every other project (groupOrder 1), so that it never slows down
// their timing-sensitive tests.
export default defineProject({
  test: {
    name: "compat",
    include: ["*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    sequence: { groupOrder: 1 },
  },
});
