import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const SOURCES = fileURLToPath(new URL("../../src/", import.meta.url));
const SCRATCH = fileURLToPath(
  new URL("../../node_modules/.cache/engine-worker-tests/", import.meta.url),
);
const STALE_AFTER_MS = 60 * 60 * 1000;

/** A runnable copy of the engine worker, made from the current sources. */
export interface TestEngineWorker {
  /** Pass as `EngineClient.start(options, { workerUrl })`. */
  readonly workerUrl: URL;
  /** Deletes the copy. */
  remove(): void;
}

/**
 * Transpiles the demo server's sources (tests excluded) to JavaScript in a scratch folder,
 * so tests start a real worker thread on the code under test, with no build step and no
 * stale `dist/`. No type checking: `tsc` does that. The folder is inside the package's
 * `node_modules`, so the worker's dependencies resolve as they do from `src/`.
 */
export function prepareTestEngineWorker(): TestEngineWorker {
  mkdirSync(SCRATCH, { recursive: true });
  removeStaleCopies();
  const out = mkdtempSync(join(SCRATCH, "run-"));
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  for (const file of typeScriptSources(SOURCES)) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(out, relative(SOURCES, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return {
    workerUrl: pathToFileURL(join(out, "engine", "engine-worker.js")),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}

function typeScriptSources(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "test-support") files.push(...typeScriptSources(path));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      files.push(path);
    }
  }
  return files;
}

/** Copies left behind by runs that crashed before cleaning up. */
function removeStaleCopies(): void {
  for (const name of readdirSync(SCRATCH)) {
    const path = join(SCRATCH, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Another run removed it first.
    }
  }
}
