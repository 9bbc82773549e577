// Instance-ids a datasource may hand us that are no safe directory name: a 300-character id
// (ENAMETOOLONG as a path component), an id with a newline (two lines in instance-id).
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, lines, makeRoot, read, writeSeed } from "./root";

describe.skipIf(!isRoot)("instance-ids that are no safe path component", () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const instances = () => readdirSync(join(root, "var/lib/cloud/instances"));
  const userData = '#cloud-config\nruncmd: ["echo ran >> /var/tmp/runs"]\n';

  it("a 300-character id boots every stage, keeps its real id, and is the same instance on reboot", () => {
    const id = `i-${"0123456789".repeat(30)}`;
    writeSeed(root, { "meta-data": `instance-id: ${id}\n`, "user-data": userData });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(instances()).toHaveLength(1);
    expect(instances()[0]).toMatch(/^iid-i-0123456789.{0,52}-[0-9a-f]{64}$/);
    expect(read(root, "var/lib/cloud/data/instance-id")).toBe(`${id}\n`);
    expect(agent(root, ["query", "v1.instance_id"]).stdout).toBe(`${id}\n`);
    expect(agent(root, ["status"]).stdout).toBe("status: done\n");

    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(instances()).toHaveLength(1);
    expect(read(root, "var/lib/cloud/data/previous-instance-id")).toBe(`${id}\n`);
    expect(lines(root, "var/tmp/runs")).toEqual(["ran"]);
    expect(read(root, "var/log/cloud-init.log")).toContain("(same as last boot)");
  });

  it("an id with a newline is written as one line and still names the same instance on reboot", () => {
    writeSeed(root, { "meta-data": 'instance-id: "iid-a\\nNO_PREVIOUS_INSTANCE_ID"\n', "user-data": userData });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/lib/cloud/data/instance-id")).toBe("iid-a\\x0aNO_PREVIOUS_INSTANCE_ID\n");
    expect(instances()).toEqual([expect.stringMatching(/^iid-iid-a_NO_PREVIOUS_INSTANCE_ID-[0-9a-f]{64}$/)]);
    expect(agent(root, ["query", "instance_id"]).stdout).toBe("iid-a\nNO_PREVIOUS_INSTANCE_ID\n");
    boot(root);
    expect(lines(root, "var/tmp/runs")).toEqual(["ran"]);
  });

  it("an id of '..' stays inside instances/", () => {
    writeSeed(root, { "meta-data": 'instance-id: ".."\n', "user-data": userData });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(instances()).toEqual([expect.stringMatching(/^iid-\.\.-[0-9a-f]{64}$/)]);
    expect(read(root, "var/lib/cloud/data/instance-id")).toBe("..\n");
  });

  it("an id with a NUL byte reaches bootcmd and scripts as one escaped line (a NUL cannot be in the environment)", () => {
    writeSeed(root, { "meta-data": 'instance-id: "iid-\\0x"\n', "user-data": '#cloud-config\nbootcmd: ["echo \\"$INSTANCE_ID\\" >> /var/tmp/boot-id"]\nruncmd: ["echo ran >> /var/tmp/runs"]\n' });
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(lines(root, "var/tmp/boot-id")).toEqual(["iid-\\x00x"]);
    expect(lines(root, "var/tmp/runs")).toEqual(["ran"]);
  });
});
