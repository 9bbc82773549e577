// `npm run demo`: the built agent boots a throwaway root four stages long on a sample
// NoCloud seed, then shows what it left behind. Needs root (it chroots); changes nothing else.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeMinimalRoot } from "./minimal-root.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const agent = resolve(here, "out/cloud-agent");
const SEED = {
  "meta-data": "instance-id: iid-demo-0001\nlocal-hostname: demo.example.org\n",
  "user-data": `#cloud-config
bootcmd:
  - 'echo "bootcmd: instance $INSTANCE_ID" >> /var/tmp/demo.log'
write_files:
  - path: /etc/motd
    content: "Configured by cloud-agent\\n"
    permissions: '0644'
runcmd:
  - 'echo "runcmd: ran once for this instance" >> /var/tmp/demo.log'
  - [sh, -c, 'echo "runcmd: argv item with quotes and ; stays one word: $0" >> /var/tmp/demo.log', "it's; fine"]
final_message: "cloud-agent demo finished in $UPTIME seconds of uptime"
`,
};

const root = makeMinimalRoot(resolve(here, "../units/cloud.cfg"));
const seed = join(root, "var/lib/cloud/seed/nocloud");
mkdirSync(seed, { recursive: true });
for (const [name, text] of Object.entries(SEED)) writeFileSync(join(seed, name), text);

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
