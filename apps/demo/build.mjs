// Builds the demo into dist/:
//   dist/public/  the page (index.html, main.js, styles.css), bundled for the browser
//   dist/main.js  the Node server (page + signaling on one port)
// and fails if the page bundle pulled in anything Node-only.
// `node build.mjs --watch` (the root's `pnpm dev`) rebuilds both on change.
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL(".", import.meta.url));
const dist = `${root}dist`;
const publicDir = `${dist}/public`;

await rm(dist, { recursive: true, force: true });
await mkdir(publicDir, { recursive: true });

const watch = process.argv.includes("--watch");

const pageOptions = {
  absWorkingDir: root,
  entryPoints: { main: "src/page/main.ts", styles: "src/page/styles.css" },
  outdir: publicDir,
  bundle: true,
  // Sets the "browser" export condition: @raycaster/realtime resolves to its
  // client-only entry, without the signaling server and `ws`.
  platform: "browser",
  format: "esm",
  target: ["es2022", "chrome111", "firefox113", "safari16.4"],
  minify: true,
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
};
const serverOptions = {
  absWorkingDir: root,
  entryPoints: ["src/main.ts"],
  outfile: `${dist}/main.js`,
  bundle: true,
  // @raycaster/realtime and ws stay imports, resolved by Node at run time.
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
};
await copyFile(`${root}src/page/index.html`, `${publicDir}/index.html`);

if (watch) {
  // Every rebuild of the page is checked as a build is.
  const check = {
    name: "browser-safe",
    setup(build) {
      build.onEnd(async (result) => {
        if (result.errors.length > 0) return;
        await assertBrowserSafe(result.metafile, `${publicDir}/main.js`);
        console.log(`demo: page rebuilt ${new Date().toLocaleTimeString()}`);
      });
    },
  };
  const contexts = [await esbuild.context({ ...pageOptions, plugins: [check] }), await esbuild.context(serverOptions)];
  // A first build before watching: the demo server starts on what it wrote.
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log("demo: watching src/ and the packages' dist/ (index.html is copied once)");
} else {
  const page = await esbuild.build(pageOptions);
  await assertBrowserSafe(page.metafile, `${publicDir}/main.js`);
  await esbuild.build(serverOptions);
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  for (const [file, { bytes }] of Object.entries(page.metafile.outputs)) {
    if (!file.endsWith(".map")) console.log(`  ${file.replace(/^.*?dist\//, "dist/")}  ${kib(bytes)}`);
  }
  console.log("  dist/main.js (server)");
}

/**
 * The page must get the client-only entry of @raycaster/realtime. If the
 * "browser" condition stopped working, esbuild would quietly bundle the
 * Node entry with ws's browser stub (which throws at run time): catch that
 * here, by what went in and by what came out.
 */
async function assertBrowserSafe(metafile, bundlePath) {
  const forbiddenInput = /(^|\/)node_modules\/ws\/|(^|\/)ws@\d|realtime-server|packages\/server\//;
  const leaked = Object.keys(metafile.inputs).filter((input) => forbiddenInput.test(input));
  const bundle = await readFile(bundlePath, "utf8");
  const forbiddenText = ['require("ws")', 'from"ws"', 'from "ws"', "ws does not work in the browser", "SignalingServer"];
  const found = forbiddenText.filter((text) => bundle.includes(text));
  if (leaked.length > 0 || found.length > 0) {
    throw new Error(
      "the page bundle contains Node-only code (the signaling server or ws):\n" +
        [...leaked.map((input) => `  input: ${input}`), ...found.map((text) => `  text: ${text}`)].join("\n"),
    );
  }
}
