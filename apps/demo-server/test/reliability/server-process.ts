import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built server: `dist/main.js`, from this file in `test/` or built in `dist-harness/`. */
export const BUILT_MAIN = fileURLToPath(
  new URL(
    `${import.meta.url.endsWith(".ts") ? "../.." : "../../.."}/dist/main.js`,
    import.meta.url,
  ),
);

export interface ServerProcess {
  readonly url: string;
  /** Lines the server wrote to stderr so far. */
  readonly stderrLines: () => string[];
  /** Stops the process at once: a measurement does not wait for a graceful shutdown. */
  kill(): Promise<void>;
}

/** Starts the built demo server as a user would and waits for the URL it prints. */
export async function startServerProcess(options: {
  args: string[];
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${BUILT_MAIN} not found: build @llm-journey/demo-server first`);
  }
  const child: ChildProcess = spawn(process.execPath, [BUILT_MAIN, ...options.args], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (data: string) => {
    const parts = (partial + data).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((line) => line.trim() !== ""));
  });
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    // stdout is read to the end, so the server never blocks on a full pipe.
    child.stdout?.setEncoding("utf8").on("data", (data: string) => {
      if (stdout.length < 10_000) stdout += data;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`server exited with ${code}: ${stdout}\n${lines.join("\n")}`)),
    );
  });
  return {
    url,
    stderrLines: () => (partial.trim() === "" ? [...lines] : [...lines, partial]),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** One sample's value from a Prometheus text exposition, or `undefined`. */
export function metricValue(text: string, name: string, labels = ""): number | undefined {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length).split(" ")[0]);
}

/** The sum of every sample of a metric, whatever its labels. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    let rest: string | undefined;
    if (line.startsWith(`${name}{`)) rest = line.slice(line.indexOf("} ") + 2);
    else if (line.startsWith(`${name} `)) rest = line.slice(name.length + 1);
    if (rest !== undefined) sum += Number(rest.split(" ")[0]);
  }
  return sum;
}
