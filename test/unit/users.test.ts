import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorizedKeyLines, normalizeGroups, normalizeUsers } from "../../src/system/users";

const DEFAULT = { name: "debian", gecos: "Debian", groups: ["adm", "sudo"], lock_passwd: true, shell: "/bin/bash", sudo: ["ALL=(ALL) NOPASSWD:ALL"] };

describe("groups", () => {
  it("reads every shape cloud-init accepts", () => {
    expect(normalizeGroups("a,b")).toEqual([{ name: "a", members: [] }, { name: "b", members: [] }]);
    expect(normalizeGroups("a, b")[1].name).toBe(" b"); // cloud-init does not trim here
    expect(normalizeGroups(["admins", { devs: ["ann", "bob"] }, { ops: "carl" }])).toEqual([
      { name: "admins", members: [] },
      { name: "devs", members: ["ann", "bob"] },
      { name: "ops", members: ["carl"] },
    ]);
    expect(normalizeGroups({ web: ["www"] })).toEqual([{ name: "web", members: ["www"] }]);
  });
});

describe("users", () => {
  it("with no users key there is the default user", () => {
    expect(normalizeUsers({}, DEFAULT).map((u) => [u.name, u.isDefault])).toEqual([["debian", true]]);
  });

  it("a users list without 'default' has no default user", () => {
    expect(normalizeUsers({ users: [{ name: "ann" }] }, DEFAULT).map((u) => u.name)).toEqual(["ann"]);
  });

  it("'default' merges the distro's default user with the entry; groups are a sorted union", () => {
    const [user] = normalizeUsers({ users: [{ name: "default", shell: "/bin/zsh", groups: "wheel, adm" }] }, DEFAULT);
    expect(user.options).toMatchObject({ name: "debian", shell: "/bin/zsh", gecos: "Debian", groups: ["adm", "sudo", "wheel"] });
  });

  it("accepts strings, comma lists, dashes in keys, and keeps the first of duplicates", () => {
    const users = normalizeUsers({ users: ["default", "ann,bob", { name: "ann", "lock-passwd": false }, { name: "carl", "lock-passwd": false, groups: "x, y" }] }, DEFAULT);
    expect(users.map((u) => u.name)).toEqual(["ann", "bob", "carl", "debian"]);
    expect(users[2].options).toMatchObject({ lock_passwd: false, groups: ["x", "y"] });
  });

  it("puts the default user last, or merges it into an entry with its name (that entry's options win)", () => {
    expect(normalizeUsers({ users: ["default", "ann"] }, DEFAULT).map((u) => [u.name, u.isDefault])).toEqual([["ann", false], ["debian", true]]);
    const merged = normalizeUsers({ users: [{ name: "debian", shell: "/bin/zsh" }, "default", "ann"] }, DEFAULT);
    expect(merged.map((u) => u.name)).toEqual(["debian", "ann"]);
    expect(merged[0]).toMatchObject({ isDefault: true, options: { shell: "/bin/zsh", sudo: DEFAULT.sudo } });
    expect(merged[0].options.groups).toEqual(["adm", "sudo"]);
  });

  it("the legacy user key renames the default user", () => {
    expect(normalizeUsers({ user: "admin" }, DEFAULT).map((u) => u.name)).toEqual(["admin"]);
  });
});

describe("ssh_authorized_keys", () => {
  const FENCED = 'from="10.0.0.1,10.0.0.2",command="/usr/bin/backup --to a,b",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFenced backup@host';

  it("keeps a key line with options whole: its commas belong to the options", () => {
    expect(authorizedKeyLines(FENCED)).toEqual([FENCED]);
    expect(authorizedKeyLines([FENCED, "ssh-rsa AAAAB3 plain"])).toEqual([FENCED, "ssh-rsa AAAAB3 plain"]);
    expect(authorizedKeyLines({ backup: FENCED })).toEqual([FENCED]);
  });

  it("splits a string only at newlines and drops blank lines", () => {
    expect(authorizedKeyLines(`${FENCED}\r\n\n  ssh-rsa AAAAB3 second  \n`)).toEqual([FENCED, "ssh-rsa AAAAB3 second"]);
  });

  it("takes nothing from values that are not key text", () => {
    expect(authorizedKeyLines(undefined)).toEqual([]);
    expect(authorizedKeyLines(42)).toEqual([]);
    expect(authorizedKeyLines([null, 7, { nested: true }])).toEqual([]);
  });

  it("any single line comes back unchanged but trimmed, whatever commas or quotes it holds", () => {
    const line = fc.string({ unit: fc.constantFrom("a", ",", '"', "=", " ", "\\", "-", "1") }).filter((l) => l.trim() !== "");
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (keys) => {
        expect(authorizedKeyLines(keys)).toEqual(keys.map((k) => k.trim()));
        expect(authorizedKeyLines(keys.join("\n"))).toEqual(keys.map((k) => k.trim()));
      }),
    );
  });
});
