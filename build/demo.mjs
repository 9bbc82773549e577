// `npm run demo`: the built agent boots a throwaway root four stages long on a sample
// NoCloud seed, then shows what it left behind. Needs root (it chroots); changes nothing else.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeMinimalRoot } from "./minimal-root.mjs";
import { SAMPLE_SEED } from "./sample-seed.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const agent = resolve(here, "out/cloud-agent");

const root = makeMinimalRoot(resolve(here, "../units/cloud.cfg"));
const seed = join(root, "var/lib/cloud/seed/nocloud");
mkdirSync(seed, { recursive: true });
for (const [name, text] of Object.entries(SAMPLE_SEED)) writeFileSync(join(seed, name), text);

const run = (args) => {
  const r = spawnSync(agent, ["--root", root, ...args], { env: { PATH: process.env.PATH }, encoding: "utf8" });
  process.stdout.write(`$ cloud-agent ${args.join(" ")}   (exit ${r.status})\n${r.stdout}${r.stderr}`);
  return r.status;
};
console.log(`throwaway root: ${root}\n`);
for (const stage of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) run(stage);
run(["status", "--long"]);
console.log(`\n/var/tmp/demo.log:\n${readFileSync(join(root, "var/tmp/demo.log"), "utf8")}`);
console.log(`/etc/motd: ${readFileSync(join(root, "etc/motd"), "utf8")}`);
const status = run(["query", "v1.local_hostname"]);
process.exitCode = status;
