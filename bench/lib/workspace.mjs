// The built workspace packages, imported from their dist folders so the bench needs no
// install of its own. `npm run bench` builds them first.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The checkout whose builds are measured: this one, or another one named by
 * LLM_JOURNEY_BENCH_ROOT (for a before/after comparison with the same bench code).
 */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: read by the bench only, never by a turbo task.
const otherRoot = process.env.LLM_JOURNEY_BENCH_ROOT;
const ROOT = otherRoot
  ? pathToFileURL(`${otherRoot.replace(/\/+$/, "")}/`)
  : new URL("../../", import.meta.url);

export const rootPath = (relative) => fileURLToPath(new URL(relative, ROOT));

const DIST_ENTRIES = {
  contextPropagation: "packages/context-propagation/dist/index.js",
  tracerCore: "packages/tracer-core/dist/index.js",
  tracerCoreSdk: "packages/tracer-core/dist/sdk/index.js",
  tracerApi: "packages/tracer-api/dist/index.js",
  scheduler: "apps/demo-server/dist/engine/scheduler.js",
  llamaEngine: "packages/node-llama-cpp/dist/index.js",
  llamaTesting: "packages/node-llama-cpp/dist/testing/index.js",
  demoMain: "apps/demo-server/dist/main.js",
};

/** Throws a clear message when a package has not been built. */
export function assertBuilt() {
  const missing = Object.values(DIST_ENTRIES).filter((path) => !existsSync(rootPath(path)));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.join(", ")}. Run \`TURBO_TELEMETRY_DISABLED=1 npx turbo run build\` first.`,
    );
  }
}

export const distUrl = (key) => new URL(DIST_ENTRIES[key], ROOT).href;

export const loadCore = () => import(distUrl("tracerCore"));
export const loadCoreSdk = () => import(distUrl("tracerCoreSdk"));
export const loadApi = () => import(distUrl("tracerApi"));
export const loadScheduler = () => import(distUrl("scheduler"));
export const loadLlamaEngine = () => import(distUrl("llamaEngine"));
export const loadLlamaTesting = () => import(distUrl("llamaTesting"));

/** node-llama-cpp itself, the copy the engine package uses. */
export const loadNodeLlamaCpp = () =>
  import(
    pathToFileURL(
      createRequire(rootPath("packages/node-llama-cpp/package.json")).resolve("node-llama-cpp"),
    ).href
  );

// Resolved from tracer-core, so the bench shares the very module instances the
// libraries use (pnpm keeps them out of the root node_modules).
export const coreRequire = createRequire(rootPath("packages/tracer-core/package.json"));

/** `@opentelemetry/api`, the instance tracer-core uses. */
export const otelApi = () => coreRequire("@opentelemetry/api");

/** Versions worth recording next to the figures. */
export function versions() {
  const version = (name) => {
    try {
      // Not every package exports ./package.json: walk up from its entry point.
      let dir = dirname(coreRequire.resolve(name));
      for (;;) {
        const path = join(dir, "package.json");
        if (existsSync(path)) {
          const manifest = JSON.parse(readFileSync(path, "utf8"));
          if (manifest.name === name) return manifest.version;
        }
        if (dirname(dir) === dir) return null;
        dir = dirname(dir);
      }
    } catch {
      return null;
    }
  };
  return {
    node: process.version,
    "@opentelemetry/api": version("@opentelemetry/api"),
    "@opentelemetry/sdk-trace-base": version("@opentelemetry/sdk-trace-base"),
  };
}

export const loadLegacyBuffer = () =>
  import(new URL("packages/legacy-buffer/dist/index.js", ROOT).href);

/** True when the legacy-buffer package has been built. */
export const legacyBufferBuilt = () => existsSync(rootPath("packages/legacy-buffer/dist"));
