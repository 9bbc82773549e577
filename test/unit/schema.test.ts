// The module-config schema: messages name the key path and what was expected, never the
// value (they reach status.json, which every user can read).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validate } from "../../src/config/schema";
import { MODULES } from "../../modules/index";

describe("schema messages", () => {
  it("say where and what was expected", () => {
    expect(validate({ runcmd: "ls" }, { properties: { runcmd: { type: "array" } } })).toEqual([{ path: "runcmd", message: "expected a list, got a string" }]);
    expect(validate({ write_files: [{}] }, { properties: { write_files: { type: "array", items: { type: "object", required: ["path"] } } } })).toEqual([
      { path: "write_files.0", message: "'path' is a required property" },
    ]);
    expect(validate({ x: [1] }, { properties: { x: { type: "array", minItems: 2 } } })).toEqual([{ path: "x", message: "expected at least 2 items, got 1" }]);
  });

  it("never quote a password given in the wrong type or shape", () => {
    const setPasswords = MODULES.find((m) => m.name === "set_passwords")!;
    const issues = validate({ password: 123456, chpasswd: { users: ["alice:Tr0ub4dor&3"] } }, setPasswords.schema);
    expect(issues).toEqual([
      { path: "password", message: "expected a string, got an integer" },
      { path: "chpasswd.users.0", message: "expected a mapping, got a string" },
    ]);
  });

  it("name the allowed values of an enum, not the value given", () => {
    const issues = validate({ mode: "hunter2" }, { properties: { mode: { enum: ["poweroff", "reboot"] } } });
    expect(issues).toEqual([{ path: "mode", message: 'expected one of "poweroff", "reboot", got a string that is not one of them' }]);
    const oneOf = validate({ m: "hunter2" }, { properties: { m: { oneOf: [{ type: "boolean" }, { enum: ["localhost"] }] } } });
    expect(oneOf).toEqual([{ path: "m", message: 'expected a boolean or "localhost", got a string' }]);
  });

  it("name an undeclared key only when it looks like a key", () => {
    const schema = { type: "object" as const, additionalProperties: false };
    expect(validate({ typo_key: 1, "alice:Tr0ub4dor&3": 2 }, schema)).toEqual([
      { path: "typo_key", message: "is not an allowed key" },
      { path: "<key #1>", message: "is not an allowed key" },
    ]);
  });

  it("no value given to any module's keys appears in a message (property)", () => {
    const secret = fc.string({ minLength: 1 }).map((s) => `SECRET${s}`);
    const leaf = fc.oneof(secret, fc.integer({ min: 100000 }), fc.boolean(), fc.constant(null));
    const hostile = fc.letrec((tie) => ({
      // a secret in key position ("alice:Tr0ub4dor&3"); a key that looks like a key may be named (a typo'd key)
      value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(fc.oneof(secret.map((s) => `user:${s}`), fc.constantFrom("name", "users", "password", "list", "mode")), tie("value"), { maxKeys: 3 })),
    })).value;
    const keys = [...new Set(MODULES.flatMap((m) => Object.keys(m.schema.properties ?? {})))];
    fc.assert(
      fc.property(fc.constantFrom(...keys), hostile, (key, value) => {
        for (const mod of MODULES) {
          for (const issue of validate({ [key]: value }, mod.schema)) {
            expect(issue.path + issue.message).not.toMatch(/SECRET|100000|\d{6}/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
