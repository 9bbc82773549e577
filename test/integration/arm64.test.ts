// The arm64 executable, run on this x86 machine under qemu-user with Debian's arm64 cross
// libraries: it boots a throwaway root on a seed, four stages long, and leaves the same
// machine behind as the amd64 executable does on the same seed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { agentCommand, isRoot, makeRoot, writeSeed } from "./root";

const ARM64 = resolve(__dirname, "../../build/out/arm64/cloud-agent");
const QEMU = ["/usr/bin/qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];
const unsupported = !isRoot ? "needs root (chroot)" : !existsSync(QEMU[0]) ? "qemu-user-static is not installed" : !existsSync(ARM64) ? "build/out/arm64/cloud-agent is missing (npm run build)" : false;

const SEED = {
  "meta-data": "instance-id: iid-arm64-0001\nlocal-hostname: arm.example.org\n",
  "user-data": `#cloud-config
bootcmd: ['echo "bootcmd $INSTANCE_ID" >> /var/tmp/arch.log']
write_files:
  - {path: /etc/motd, content: "Configured by cloud-agent\\n", permissions: '0640'}
  - {path: /srv/data.bin, encoding: gz+b64, content: H4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA==}
runcmd: ['echo "runcmd $(cat /etc/motd)" >> /var/tmp/arch.log']
final_message: "finished"
`,
};
const FILES = ["etc/motd", "srv/data.bin", "var/tmp/arch.log", "etc/hostname", "var/lib/cloud/data/instance-id", "var/lib/cloud/instances/iid-arm64-0001/user-data.txt"];

/** One boot with `command`: each stage's exit code, status, a query, and the files it left. */
function bootWith(command: string[]) {
  const root = makeRoot();
  try {
    writeSeed(root, SEED);
    const run = (args: string[]) => spawnSync(command[0], [...command.slice(1), "--root", root, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8" });
    const codes = [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]].map((args) => run(args).status);
    return {
      codes,
      status: run(["status"]).stdout,
      hostname: run(["query", "v1.local_hostname"]).stdout,
      files: Object.fromEntries(FILES.map((f) => [f, existsSync(join(root, f)) ? readFileSync(join(root, f), "utf8") : undefined])),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe.skipIf(unsupported)("the arm64 executable (under qemu-user)", () => {
  it("is an aarch64 program that says its version", () => {
    expect(readFileSync(ARM64).subarray(18, 20).readUInt16LE()).toBe(0xb7); // e_machine EM_AARCH64
    expect(spawnSync(QEMU[0], [...QEMU.slice(1), ARM64, "--version"], { encoding: "utf8" }).stdout).toBe(spawnSync(agentCommand()[0], ["--version"], { encoding: "utf8" }).stdout);
  });

  it("boots a root on a seed as the amd64 executable does", () => {
    const arm64 = bootWith([...QEMU, ARM64]);
    expect(arm64.codes).toEqual([0, 0, 0, 0]);
    expect(arm64.status).toBe("status: done\n");
    expect(arm64.files["srv/data.bin"]).toBe("hello");
    expect(arm64.files["var/tmp/arch.log"]).toBe("bootcmd iid-arm64-0001\nruncmd Configured by cloud-agent\n");
    expect(arm64).toEqual(bootWith(agentCommand()));
  }, 120_000);
});
