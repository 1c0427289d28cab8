import { describe, expect, it } from "vitest";
import { DROPPED, dropLegacy } from "./drop-legacy.mjs";

// Phase 3, checked by the release gates: the workspace without the legacy path installs,
// builds, passes biome and passes every remaining test.
describe("Phase 3: dropping the legacy path", () => {
  it("leaves a workspace that builds and passes its remaining tests", async () => {
    const result = await dropLegacy();
    expect(result.failure).toBeUndefined();
    // The drop is the package, the demo's wiring, one dependency line, and the pending
    // changesets that release the legacy package alone (any number of them).
    const rest = result.removed.filter((item) => !item.startsWith(".changeset/"));
    expect(rest).toEqual(expect.arrayContaining(DROPPED));
    expect(rest.length).toBeLessThanOrEqual(DROPPED.length + 1);
    expect(result.totals?.failed).toBe(0);
    // The remaining suite really ran (the whole workspace has several hundred tests).
    expect(result.totals?.passed).toBeGreaterThan(300);
  });
});
