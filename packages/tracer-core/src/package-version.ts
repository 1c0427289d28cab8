import { createRequire } from "node:module";

/**
 * This package's version, reported as its tracer scope's version. Read from the
 * package.json beside `src/` and `dist/`, so it is always the version installed.
 */
export const PACKAGE_VERSION: string = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;
