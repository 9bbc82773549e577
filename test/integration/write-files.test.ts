// write_files with the built agent in a throwaway root where alice (uid 1000) owns her home and
// has planted links in it: entries through her links are refused one by one, the rest written.
import { appendFileSync, chownSync, linkSync, lchownSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, boot, isRoot, makeRoot, read, writeSeed } from "./root";

describe.skipIf(!isRoot)("write_files into a home its user controls", () => {
  let root: string;
  let passwd: string;
  beforeEach(() => {
    root = makeRoot();
    appendFileSync(join(root, "etc/passwd"), "alice:x:1000:1000::/home/alice:/bin/sh\n");
    appendFileSync(join(root, "etc/group"), "alice:x:1000:\n");
    passwd = read(root, "etc/passwd");
    const home = join(root, "home/alice");
    mkdirSync(home, { recursive: true });
    chownSync(home, 1000, 1000);
    symlinkSync("../../etc", join(home, "conf"));
    lchownSync(join(home, "conf"), 1000, 1000);
    linkSync(join(root, "etc/passwd"), join(home, ".profile"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const entries = (list: object[]) => `#cloud-config\n${JSON.stringify({ write_files: list })}\n`;

  it("refuses each entry that passes a planted link, writes the others with their owners", () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024 + 1)).toString("base64");
    writeSeed(root, {
      "meta-data": "instance-id: iid-wf\n",
      "user-data": entries([
        { path: "/home/alice/conf/passwd", content: "alice::0:0::/root:/bin/sh\n" },
        { path: "/home/alice/.profile", content: "alice::0:0::/root:/bin/sh\n", append: true },
        { path: "/home/alice/notes/todo", content: "hi\n", owner: "alice:alice", permissions: "0640" },
        { path: "/etc/bomb.txt", content: bomb, encoding: "gz+b64" },
        { path: "/etc/ok.txt", content: "ok\n" },
      ]),
    });
    const results = boot(root);
    expect(results.map((r) => r.code)).toEqual([0, 1, 0, 0]);
    expect(read(root, "etc/passwd")).toBe(passwd);
    expect(lstatSync(join(root, "etc/passwd")).uid).toBe(0);
    expect(read(root, "etc/ok.txt")).toBe("ok\n");
    expect(read(root, "home/alice/notes/todo")).toBe("hi\n");
    const [dir, file] = [lstatSync(join(root, "home/alice/notes")), lstatSync(join(root, "home/alice/notes/todo"))];
    expect([dir.uid, dir.gid, file.uid, file.gid, file.mode & 0o777]).toEqual([1000, 1000, 1000, 1000, 0o640]);
    expect(() => readFileSync(join(root, "etc/bomb.txt"))).toThrow(/ENOENT/);
    const status = agent(root, ["status", "--long"]).stdout;
    expect(status).toContain("/home/alice/conf/passwd: /home/alice/conf is a symlink in a directory a user controls; refused");
    expect(status).toContain("/home/alice/.profile: /home/alice/.profile has 2 hard links; refused");
    expect(status).toContain(`/etc/bomb.txt: gzip content inflates past ${64 * 1024 * 1024} bytes; not written`);
    expect(status).not.toContain(bomb.slice(0, 16));
  });
});
