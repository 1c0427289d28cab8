import { defineProject } from "vitest/config";

// Only the bench's smoke run: tiny counts, no figures asserted, alone after every other
// project (groupOrder 3), as it starts seven servers at once. It keeps `npm run bench`
// working; performance itself is shown by the full run, never by a test.
export default defineProject({
  test: {
    name: "bench-smoke",
    include: ["*.test.ts"],
    testTimeout: 300_000,
    sequence: { groupOrder: 3 },
  },
});
