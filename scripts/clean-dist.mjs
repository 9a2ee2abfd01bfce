// Removes the package's dist/ before a build: tsc never deletes what a
// removed source compiled to, and a stale .js or .d.ts would otherwise ship.
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
