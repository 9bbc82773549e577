// Each input format on cloud-init's examples, through each renderer, against the files
// checked in under expected/<case>/<renderer>/. UPDATE_EXPECTED=1 rewrites them (review the diff).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEc2Network } from "../../../src/network/ec2";
import { fallbackNetwork } from "../../../src/network/fallback";
import type { MachineNic } from "../../../src/network/fallback";
import type { NetworkModel } from "../../../src/network/model";
import { parseNetworkData } from "../../../src/network/openstack";
import { parseNetworkConfig } from "../../../src/network/parse";
import { RENDERERS } from "../../../src/network/render";
import { resolveInterfaces } from "../../../src/network/resolve";
import { CASES } from "./cases";
import type { NetworkCase } from "./cases";

const EXPECTED = join(__dirname, "expected");
const update = process.env.UPDATE_EXPECTED === "1";

function parse(c: NetworkCase): NetworkModel {
  if (c.format === "openstack") return parseNetworkData(c.input);
  if (c.format === "ec2") return parseEc2Network(c.input as Record<string, unknown>);
  if (c.format === "fallback") return fallbackNetwork(c.input as MachineNic[]) as NetworkModel;
  return parseNetworkConfig(c.input);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => `/${f}`).sort();
}

describe.each(CASES)("$name", (c) => {
  const { model } = resolveInterfaces(parse(c), c.nics);

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
  const { model } = resolveInterfaces(parse(CASES[0]), CASES[0].nics);
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
