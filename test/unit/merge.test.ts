import { describe, expect, it } from "vitest";
import { mergeConfigs, mergeWith, parseMergeSpec, PART_MERGE } from "../../src/config/merge";

const part = parseMergeSpec(PART_MERGE)!;

describe("system config layering (mergemanydict)", () => {
  it("lets the first source win and deep-merges mappings", () => {
    const merged = mergeConfigs([
      { datasource: { Ec2: { timeout: 5 } }, users: ["default"] },
      { datasource: { Ec2: { timeout: 50, max_wait: 120 }, NoCloud: {} }, users: ["other"], extra: 1 },
    ]);
    expect(merged).toEqual({ datasource: { Ec2: { timeout: 5, max_wait: 120 }, NoCloud: {} }, users: ["default"], extra: 1 });
  });
});

describe("cloud-config parts (dict(replace)+list()+str())", () => {
  it("replaces a key the later part also sets", () => {
    expect(mergeWith({ runcmd: ["a"], x: 1 }, { runcmd: ["b"] }, part)).toEqual({ runcmd: ["b"], x: 1 });
  });

  it("appends lists with list(append)", () => {
    const spec = parseMergeSpec("list(append)+dict(recurse_array)+str()")!;
    expect(mergeWith({ runcmd: ["a"] }, { runcmd: ["b"] }, spec)).toEqual({ runcmd: ["a", "b"] });
  });

  it("accepts the list-of-settings form of merge_how", () => {
    const spec = parseMergeSpec([
      { name: "list", settings: ["append"] },
      { name: "dict", settings: ["no_replace", "recurse_list"] },
    ])!;
    expect(mergeWith({ packages: ["a"], hostname: "x" }, { packages: ["b"], hostname: "y" }, spec)).toEqual({ packages: ["a", "b"], hostname: "x" });
  });

  it("deletes keys set to null with allow_delete", () => {
    const spec = parseMergeSpec("dict(allow_delete,no_replace)")!;
    expect(mergeWith({ a: 1, b: 2 }, { a: null }, spec)).toEqual({ b: 2 });
  });

  it("rejects a malformed merge_how", () => {
    expect(parseMergeSpec("dict(replace")).toBeUndefined();
    expect(parseMergeSpec(42)).toBeUndefined();
  });
});
