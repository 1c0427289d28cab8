import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * A second copy of `@opentelemetry/api`, as an application gets when it `require`s the API
 * (1.10 ships separate CommonJS and ES builds) while the layers `import` it: its own
 * classes and its own global proxy, sharing only the global registry with ours.
 */
export function secondApiCopy(): typeof import("@opentelemetry/api") {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@opentelemetry/api");
  const apiDir = entry.slice(0, entry.lastIndexOf(`${path.sep}build${path.sep}`));
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(apiDir)) delete require.cache[file];
  }
  return require("@opentelemetry/api");
}
