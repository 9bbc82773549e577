// Each input format on cloud-init's examples, through each renderer, against the files
// checked in under expected/<case>/<renderer>/. UPDATE_EXPECTED=1 rewrites them (review the diff).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { RENDERERS } from "../../../src/network/render";
import { caseModel } from "./case-model";
import { CASES } from "./cases";

const EXPECTED = join(__dirname, "expected");
const update = process.env.UPDATE_EXPECTED === "1";

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => `/${f}`).sort();
}

describe.each(CASES)("$name", (c) => {
  const model = caseModel(c);

  it.each(Object.keys(RENDERERS))("renders %s", (renderer) => {
    const files = RENDERERS[renderer](model);
    const dir = join(EXPECTED, c.name, renderer);
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      for (const file of files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      }
    }
    expect(files.map((f) => f.path).sort()).toEqual(filesUnder(dir));
    for (const file of files) expect(file.content, file.path).toBe(readFileSync(join(dir, file.path), "utf8"));
  });
});

describe("file modes", () => {
  const model = caseModel(CASES[0]);
  it.each([
    ["eni", 0o644],
    ["networkd", 0o644],
    ["netplan", 0o600],
    ["network-manager", 0o600],
    ["sysconfig", 0o644],
  ])("%s writes its config files with mode %o", (renderer, mode) => {
    const own = RENDERERS[renderer](model).filter((f) => !f.path.startsWith("/etc/udev/"));
    expect(own.map((f) => f.mode)).toEqual(own.map(() => mode));
  });
});
