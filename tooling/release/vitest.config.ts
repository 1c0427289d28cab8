import { defineProject } from "vitest/config";

// The pack-and-install test packs, installs and type-checks every publishable package and
// the broken fixtures from scratch: a minute or more of two busy cores. It runs after every
// other project (groupOrder 1), so that it never slows down their timing-sensitive tests.
export default defineProject({
  test: {
    include: ["*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    sequence: { groupOrder: 1 },
  },
});
