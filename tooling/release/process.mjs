// Running the package managers and linters that the release checks drive.

import { spawn } from "node:child_process";

const NOISE = /^npm warn Unknown (user|env|project|builtin) config .*$/gm;

/**
 * The environment for a child command. A parent `npm test` exports npm_* variables (its
 * prefix, its lifecycle event); a nested npm that sees them may take the workspace for its
 * project. Only what locates the cache and the registry configuration is kept.
 * @returns {NodeJS.ProcessEnv}
 */
export function childEnv() {
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  const keep = new Set([
    "npm_config_cache",
    "npm_config_registry",
    "npm_config_userconfig",
    "npm_config_globalconfig",
  ]);
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.has(key.toLowerCase())) continue;
    if (key === "INIT_CWD" || key === "FORCE_COLOR") continue;
    env[key] = value;
  }
  env.NO_COLOR = "1";
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  return env;
}

/**
 * @typedef {{ code: number, stdout: string, stderr: string, ms: number }} RunResult
 */

/**
 * Runs a command to completion and collects its output; never throws for a non-zero exit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<RunResult>}
 */
export function run(command, args, { cwd, timeoutMs = 300_000, env = childEnv() } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    // Its own process group, so that a timeout also ends what npx started.
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n${command} timed out after ${timeoutMs} ms`;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // It ended on its own meanwhile.
      }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, ms: Date.now() - started });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout: stdout.replace(NOISE, "").trim(),
        stderr: stderr.replace(NOISE, "").trim(),
        ms: Date.now() - started,
      });
    });
  });
}

/**
 * Runs a command with its output going straight to the terminal (for the release flow).
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<number>} the exit code
 */
export function runVisible(command, args, { cwd, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: "inherit" });
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
  });
}

/**
 * The last non-empty lines of some output.
 * @param {string} text
 * @param {number} [count]
 */
export function lastLines(text, count = 15) {
  return text.split("\n").filter(Boolean).slice(-count).join("\n");
}
