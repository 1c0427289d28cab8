// Loaded with `node --import` by the module-loading test: registers `hooks.mjs` on the main
// thread and, because workers inherit `--import`, on the engine worker too.
import { register } from "node:module";

register(new URL("./hooks.mjs", import.meta.url));
