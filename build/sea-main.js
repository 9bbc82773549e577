// The single executable's entry point: runs the bundle (a SEA asset) with a V8 code cache made
// at build time *after* the agent ran a first and a warm boot (build/train-code-cache.mjs), so
// it holds the functions a boot runs, not only the top level that Node's own SEA code cache
// (made before anything runs) holds: every stage otherwise compiles its code on first call.
// Built as is, not bundled; the build runs this same file, outside a SEA, to make the cache.
"use strict";
const vm = require("node:vm");
const sea = require("node:sea");
const fs = require("node:fs");

// the bundle is a CommonJS module: the wrapper must be the same when the cache is made and used
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
const FILENAME = "cloud-agent.js";

let source;
let cachedData;
let cacheOut;
if (sea.isSea()) {
  source = sea.getAsset("cloud-agent.js", "utf8");
  cachedData = Buffer.from(sea.getAsset("cloud-agent.cache"));
} else {
  // training at build time: CLOUD_AGENT_BUNDLE, and the cache to start from and write at exit
  source = fs.readFileSync(process.env.CLOUD_AGENT_BUNDLE, "utf8");
  cacheOut = process.env.CLOUD_AGENT_CODE_CACHE;
  cachedData = fs.existsSync(cacheOut) ? fs.readFileSync(cacheOut) : undefined;
}
const script = new vm.Script(wrap(source), { filename: FILENAME, cachedData });
// only a build for another runtime gets here; the build refuses an executable that says this
if (cachedData && script.cachedDataRejected) process.stderr.write("cloud-agent: the code cache was rejected; starting without it\n");
if (cacheOut) process.once("exit", () => fs.writeFileSync(cacheOut, script.createCachedData()));
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, require, module_, process.execPath, require("node:path").dirname(process.execPath));
