import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// The built command, as `npx llm-journey-write-gguf` runs it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/testing/write-gguf-cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "llm-journey-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args]);

describe("llm-journey-write-gguf", () => {
  it("writes the model it is asked for and says what it wrote", async () => {
    const path = join(dir, "tiny.gguf");
    const { stdout } = await run(path, "--seed", "3");
    expect(stdout).toContain("127552 parameters");
    expect(stdout).toContain("gibberish");
    expect(statSync(path).size).toBeGreaterThan(500_000);
  });

  it("exits with its usage on a bad size or no file", async () => {
    await expect(run(join(dir, "x.gguf"), "--size", "huge")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("size must be one of tiny, larger"),
    });
    await expect(run()).rejects.toMatchObject({
      code: 2,
      stdout: expect.stringContaining("usage: llm-journey-write-gguf FILE"),
    });
  });
});
