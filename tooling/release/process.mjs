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

/**
 * Runs a command to completion and resolves its trimmed stdout. On a non-zero exit or a
 * timeout it rejects with the end of the output in the message and all of stdout in
 * `stdout` (where the linters print their findings).
 * @param {string} command @param {string[]} args
 * @param {{ cwd?: string, timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>}
 */
export function run(command, args, { cwd, timeoutMs = 300_000, env = childEnv() } = {}) {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout also ends what npx started.
    const child = spawn(command, args, { cwd, env, detached: true, stdio: "pipe" });
    let [stdout, stderr, why] = ["", "", "failed"];
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      why = `timed out after ${timeoutMs} ms`;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // It ended on its own meanwhile.
      }
    }, timeoutMs);
    child.on("error", (error) => (stderr += error.message));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout.trim());
      const end = `${stdout}\n${stderr}`.split("\n").filter(Boolean).slice(-25).join("\n");
      reject(Object.assign(new Error(`${command} ${args.join(" ")} ${why}:\n${end}`), { stdout }));
    });
  });
}
