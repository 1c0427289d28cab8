// Reading samples from a Prometheus text exposition, as the demo server's /metrics gives it.

/** One sample's value, by its exact labels (`layer="api"`), or `undefined`. */
export function metricValue(text, name, labels = "") {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length).split(" ")[0]);
}

/** The sum of every sample of a metric, whatever its labels. */
export function metricSum(text, name) {
  let sum = 0;
  for (const line of text.split("\n")) {
    let rest;
    if (line.startsWith(`${name}{`)) rest = line.slice(line.indexOf("} ") + 2);
    else if (line.startsWith(`${name} `)) rest = line.slice(name.length + 1);
    if (rest !== undefined) sum += Number(rest.split(" ")[0]);
  }
  return sum;
}
