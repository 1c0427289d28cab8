/**
 * Loads a module of the demo's legacy wiring (`src/legacy/`), which only the `legacy` and
 * `dual` tracing modes use. The specifier is a value, not a literal, so that the build
 * stays valid when the wiring and the legacy-buffer package are deleted (Phase 3); such a
 * build then refuses those two modes with a clear message.
 */
export async function importLegacyWiring<T>(module: "legacy-engine" | "legacy-output"): Promise<T> {
  const specifier = `./legacy/${module}.js`;
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND") {
      throw new Error(
        `--tracing-mode legacy and dual need the legacy wiring, which this build does not include (${specifier}: ${(error as Error).message})`,
      );
    }
    throw error;
  }
}
