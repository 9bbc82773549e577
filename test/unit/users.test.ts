import { describe, expect, it } from "vitest";
import { normalizeGroups, normalizeUsers } from "../../src/users";

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
