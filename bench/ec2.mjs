// Runs bench/ec2-crawl.ts: bundled with esbuild first (the bench imports the TypeScript sources).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, "../build/out/bench-ec2-crawl.mjs");
await build({ entryPoints: [join(here, "ec2-crawl.ts")], outfile, bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", external: ["nunjucks"], banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
execFileSync(process.execPath, [outfile], { stdio: "inherit", env: { PATH: process.env.PATH } });
