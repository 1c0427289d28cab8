import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const REGISTER = fileURLToPath(new URL("../support/load-log/register.mjs", import.meta.url));
const LEGACY_WIRING = fileURLToPath(new URL("../../dist/legacy/legacy-engine.js", import.meta.url));

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
  child = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts the built server under a module loader hook that logs every module either thread
 * loads, serves one completion, stops it, and returns the logged URLs.
 */
async function modulesLoaded(mode: string): Promise<string[]> {
  dir = mkdtempSync(join(tmpdir(), "llm-journey-loads-"));
  const log = join(dir, "loaded.txt");
  child = spawn(
    process.execPath,
    ["--import", REGISTER, MAIN, "--port", "0", "--fast", "--tracing-mode", mode],
    { env: { ...process.env, LLM_JOURNEY_LOAD_LOG: log }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child?.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child?.on("exit", (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  const response = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", prompt: "which modules?", max_tokens: 4 }),
  });
  expect(response.status).toBe(200);
  child.kill("SIGTERM");
  await once(child, "exit");
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

const isLegacy = (url: string) => url.includes("legacy-buffer") || url.includes("/dist/legacy/");

// Each test starts, serves and stops a real server process: seconds on a busy machine.
describe("which tracing code each mode loads (a loader hook on both threads)", {
  timeout: 60_000,
}, () => {
  it("spans mode loads no module of legacy-buffer or of the demo's legacy wiring", async () => {
    const loaded = await modulesLoaded("spans");
    // The hook saw both threads: the server and the engine worker's own modules.
    expect(loaded.some((url) => url.endsWith("/dist/main.js"))).toBe(true);
    expect(loaded.some((url) => url.endsWith("/dist/engine/engine-worker.js"))).toBe(true);
    expect(loaded.some((url) => url.includes("tracer-core"))).toBe(true);
    expect(loaded.filter(isLegacy)).toEqual([]);
  });

  // The control: the same hook does see legacy modules when a mode loads them (skipped in
  // a build without the legacy wiring, as after Phase 3).
  it.skipIf(!existsSync(LEGACY_WIRING))(
    "dual mode loads the legacy wiring on both threads, and the package with it",
    async () => {
      const loaded = await modulesLoaded("dual");
      expect(loaded.some((url) => url.endsWith("/dist/legacy/legacy-engine.js"))).toBe(true);
      expect(loaded.some((url) => url.endsWith("/dist/legacy/legacy-output.js"))).toBe(true);
      expect(loaded.some((url) => url.includes("legacy-buffer"))).toBe(true);
    },
  );
});
