// Typechecks each consumer project against the packages' published types
// (dist/*.d.ts through the workspace links, as installed from npm), with
// the oldest TypeScript the READMEs promise and with the newest.
//   floor/         every public entry point, as the READMEs use them (Node, nodenext)
//   bundler-node/  the README's first example in a Node project on moduleResolution "bundler"
//   node-no-dom/   a Node bot in a project without the DOM lib, declaration files checked
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const compilers = ["typescript-floor", "typescript-latest"].map((name) => ({
  version: require(`${name}/package.json`).version,
  tsc: join(dirname(require.resolve(`${name}/package.json`)), "bin", "tsc"),
}));
const projects = ["floor", "bundler-node", "node-no-dom"];

let failed = 0;
for (const project of projects) {
  for (const { version, tsc } of compilers) {
    const run = spawnSync(process.execPath, [tsc, "-p", project], { cwd: import.meta.dirname, encoding: "utf8" });
    const ok = run.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? "✓" : "✗"} ${project} with TypeScript ${version}`);
    if (!ok) console.log(run.stdout + run.stderr);
  }
}
if (failed > 0) {
  console.error(`${failed} consumer typecheck(s) failed`);
  process.exit(1);
}
