import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeConfigs, mergeInto, mergeWith, parseMergeSpec, PART_MERGE } from "../../src/config/merge";

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

describe("keys that reach a prototype are never merged", () => {
  const specs = ["dict()+list()+str()", PART_MERGE, "dict(no_replace,recurse_list)+list(append)+str(append)"].map((s) => parseMergeSpec(s)!);

  it.each(specs.map((spec, i) => [i, spec]))("spec %i: __proto__, constructor and prototype from a parsed document are dropped", (_, spec) => {
    const incoming = JSON.parse('{"__proto__": {"disable_root": false}, "constructor": {"x": 1}, "prototype": 1, "nested": {"__proto__": {"polluted": 1}}, "ok": 1}');
    for (const merge of [mergeWith, mergeInto]) {
      const out = merge({ disable_root: true, nested: {} }, incoming, spec) as Record<string, unknown>;
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(out.nested)).toBe(Object.prototype);
      expect(out.disable_root).toBe(true);
      expect(Object.hasOwn(out, "constructor") || Object.hasOwn(out, "prototype") || Object.hasOwn(out as object, "__proto__")).toBe(false);
      expect(Object.keys(out).sort()).toEqual(["disable_root", "nested", "ok"]);
    }
    expect(({} as Record<string, unknown>).disable_root).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("an inherited name (toString, valueOf) is a key like any other", () => {
    expect(mergeConfigs([{ toString: "mine" }, { valueOf: 1 }])).toEqual({ toString: "mine", valueOf: 1 });
  });
});

describe("mergeInto: the same result as mergeWith, in place", () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null), tie("list"), tie("dict")),
    list: fc.array(tie("value"), { maxLength: 3 }),
    dict: fc.dictionary(fc.constantFrom("a", "b", "c", "runcmd"), tie("value"), { maxKeys: 4 }),
  }));
  const spec = fc.constantFrom(
    "dict()+list()+str()",
    PART_MERGE,
    "dict(no_replace,recurse_list)+list(append)+str(append)",
    "dict(allow_delete,recurse_array)+list(replace,recurse_dict)+str()",
    "list(prepend)+dict(recurse_str)+str(append)",
  );

  it("agrees with the pure merge for any pair of documents", () => {
    fc.assert(
      fc.property(json.dict, json.dict, spec, (base, incoming, how) => {
        const s = parseMergeSpec(how)!;
        const expected = mergeWith(structuredClone(base), structuredClone(incoming), s);
        expect(mergeInto(structuredClone(base), structuredClone(incoming), s)).toEqual(expected);
      }),
    );
  });

  it("folds into the accumulator itself: no copy of what was merged before", () => {
    const spec = parseMergeSpec("dict(recurse_list)+list(append)+str()")!;
    const base = { runcmd: ["a"], nested: { k: 1 } };
    const out = mergeInto(base, { runcmd: ["b"], nested: { j: 2 }, x: 1 }, spec) as typeof base;
    expect(out).toBe(base);
    expect(out.runcmd).toBe(base.runcmd);
    expect(out.nested).toBe(base.nested);
    expect(out).toEqual({ runcmd: ["a", "b"], nested: { k: 1, j: 2 }, x: 1 });
  });
});
