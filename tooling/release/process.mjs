// Running the package managers, linters and programs that the release checks drive.

import { spawn } from "node:child_process";

/**
 * The environment for a child command. A parent `npm test` exports npm_* variables (its
 * prefix among them); a nested npm that sees them takes the workspace for its project.
 * Only those that locate the cache and the registry configuration are kept.
 * @returns {NodeJS.ProcessEnv}
 */
export function childEnv() {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig)$/i;
  const inherited = Object.entries(process.env).filter(
    ([key]) => keep.test(key) || !/^(npm_|INIT_CWD$|FORCE_COLOR$)/i.test(key),
  );
  return {
    ...Object.fromEntries(inherited),
    NO_COLOR: "1",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

/** @typedef {{ code: number, stdout: string, stderr: string, ms: number }} RunResult */

/**
 * Runs a command to completion and collects its output; never throws for a non-zero exit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<RunResult>}
 */
export function run(command, args, { cwd, timeoutMs = 300_000, env = childEnv() } = {}) {
  const started = Date.now();
  const output = { stdout: "", stderr: "" };
  return new Promise((resolve) => {
    // Its own process group, so that a timeout also ends what npx started.
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8").on("data", (chunk) => (output.stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output.stderr += chunk));
    const timer = setTimeout(() => {
      output.stderr += `\n${command} timed out after ${timeoutMs} ms`;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // It ended on its own meanwhile.
      }
    }, timeoutMs);
    /** @param {number} code */
    const done = (code) => {
      clearTimeout(timer);
      const { stdout, stderr } = output;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim(), ms: Date.now() - started });
    };
    child.on("error", (error) => {
      output.stderr += error.message;
      done(-1);
    });
    child.on("close", (code) => done(code ?? -1));
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
