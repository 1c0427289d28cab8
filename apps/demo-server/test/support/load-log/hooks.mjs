// A module loader hook that appends the URL of every module loaded (on the thread that
// registered it) to the file named by LLM_JOURNEY_LOAD_LOG.
import { appendFileSync } from "node:fs";

export async function load(url, context, nextLoad) {
  const log = process.env.LLM_JOURNEY_LOAD_LOG;
  if (log) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
