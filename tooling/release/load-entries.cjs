// Loads each entry named on the command line as a user would, with `import` or, given
// `require` first, with `require()` (Node's require(esm)), and prints as JSON the names
// each exports or why it failed. Copied into the consumer project, where it resolves.
//
// Usage: node load-entries.cjs <import|require> <specifier>...

const [how, ...specifiers] = process.argv.slice(2);
(async () => {
  const report = {};
  for (const specifier of specifiers) {
    try {
      const loaded = how === "require" ? require(specifier) : await import(specifier);
      const names = Object.keys(loaded).filter((name) => name !== "__esModule");
      report[specifier] = { ok: true, names };
    } catch (error) {
      const message = String(error?.message ?? error).split("\n")[0];
      report[specifier] = { ok: false, code: error?.code, message };
    }
  }
  process.stdout.write(JSON.stringify(report));
})();
