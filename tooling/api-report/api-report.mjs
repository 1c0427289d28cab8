// The API report of every public entry point, by API Extractor: the exported declarations
// (and those their signatures name) as a user's compiler sees them in the built `.d.ts`,
// one file per entry in `packages/<name>/api-report/<entry>.api.md`. The test fails when
// what is built differs from what is checked in, so a change to the public surface is a
// change to a reviewed file, made with its changeset.
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { CompilerState, Extractor, ExtractorConfig } from "@microsoft/api-extractor";
import { readWorkspacePackages } from "../release/workspace.mjs";

/**
 * Every entry point of every publishable package: its `types` file and its report's name
 * (`index` for ".", else the subpath: `sdk`).
 */
export async function entryPoints() {
  return [...(await readWorkspacePackages()).values()]
    .filter(({ manifest }) => manifest.private !== true)
    .flatMap(({ dir, manifest }) =>
      Object.entries(manifest.exports)
        .filter(([subpath]) => subpath !== "./package.json")
        .map(([subpath, target]) => ({
          dir,
          types: path.join(dir, /** @type {any} */ (target).types),
          name: subpath === "." ? "index" : subpath.slice(2).replaceAll("/", "-"),
        })),
    );
}

/**
 * API Extractor's settings for one entry point: its report, nothing else.
 * @param {{ dir: string, types: string, name: string }} entry
 */
function configOf({ dir, types, name }) {
  return ExtractorConfig.prepare({
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(dir, "package.json"),
    configObject: {
      projectFolder: dir,
      mainEntryPointFilePath: types,
      compiler: {
        overrideTsconfig: {
          compilerOptions: { module: "nodenext", strict: true, skipLibCheck: true },
          files: [types],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: name,
        reportFolder: path.join(dir, "api-report"),
        reportTempFolder: path.join(dir, "node_modules", ".api-report"),
        includeForgottenExports: true,
      },
      tsdocMetadata: { enabled: false },
      newlineKind: "lf",
    },
  });
}

/**
 * One TypeScript program for all of `entries`, which each extractor run then reuses.
 * @param {{ dir: string, types: string, name: string }[]} entries
 */
export function sharedCompiler(entries) {
  const first = /** @type {(typeof entries)[number]} */ (entries[0]);
  const additionalEntryPoints = entries.map((entry) => entry.types);
  return CompilerState.create(configOf(first), { additionalEntryPoints });
}

/**
 * Runs API Extractor on one entry point: with `update`, writes its report; else only
 * compares. Returns whether the report differs and the extractor's errors.
 * @param {{ dir: string, types: string, name: string }} entry
 * @param {{ update?: boolean, compilerState?: CompilerState }} [options]
 */
export function apiReport(entry, { update = false, compilerState } = {}) {
  if (update) mkdirSync(path.join(entry.dir, "api-report"), { recursive: true });
  /** @type {string[]} */
  const messages = [];
  const result = Extractor.invoke(configOf(entry), {
    localBuild: update,
    ...(compilerState ? { compilerState } : {}),
    messageCallback: (message) => {
      // What the report itself records (a forgotten export, a missing release tag: every
      // export here is public) is no failure.
      if (message.logLevel === "error") messages.push(message.formatMessageWithLocation(entry.dir));
      message.handled = true;
    },
  });
  return { changed: result.apiReportChanged, messages };
}
