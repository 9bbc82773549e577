// The parsed-YAML cache on a real root: a cache file that is not what we wrote is a miss for
// every file (with one warning), never a verdict that config is invalid; an edit that keeps
// size and mtime is still seen (ctime).
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { YamlCache } from "../../src/config/yaml-cache";
import { Host } from "../../src/host/host";

let root: string;
let host: Host;
let warnings: string[];
const CACHE = "var/lib/cloud/data/yaml-cache.json";
const CFG = "etc/cloud/cloud.cfg.d/50-test.cfg";
beforeEach(() => {
  root = fs.mkdtempSync(join(tmpdir(), "yaml-cache-"));
  host = new Host({ root });
  warnings = [];
  fs.mkdirSync(join(root, "var/lib/cloud/data"), { recursive: true });
  fs.mkdirSync(join(root, "etc/cloud/cloud.cfg.d"), { recursive: true });
  fs.writeFileSync(join(root, CFG), "bootcmd: [echo one]\n");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const cache = () => new YamlCache(host, (m) => warnings.push(m));

describe("a cache file of the wrong shape", () => {
  for (const [label, content] of [
    ["null", "null"],
    ["a list", "[1, 2]"],
    ["a number", "42"],
    ["not JSON", "{\"/etc/cloud/cloud.cfg.d/50-test.cfg\": {"],
  ]) {
    it(`${label}: every file is parsed, one warning, and the cache is rebuilt`, () => {
      fs.writeFileSync(join(root, CACHE), content);
      const c = cache();
      expect(c.read(`/${CFG}`)?.value).toEqual({ bootcmd: ["echo one"] });
      expect(warnings).toEqual([expect.stringMatching(/^\/var\/lib\/cloud\/data\/yaml-cache\.json is not a cache this agent wrote \((null|a list|a number|not JSON)\); every file is parsed again and the cache rebuilt$/)]);
      c.save();
      const rebuilt = JSON.parse(fs.readFileSync(join(root, CACHE), "utf8"));
      expect(rebuilt[`/${CFG}`].value).toEqual({ bootcmd: ["echo one"] });
      expect(cache().read(`/${CFG}`)).toEqual({ text: undefined, value: { bootcmd: ["echo one"] } });
      expect(warnings.length).toBe(1);
    });
  }

  it("an entry of the wrong shape is a miss for that file alone, not an error", () => {
    fs.writeFileSync(join(root, CACHE), JSON.stringify({ [`/${CFG}`]: null, "/etc/cloud/cloud.cfg": { signature: 7 } }));
    expect(cache().read(`/${CFG}`)?.value).toEqual({ bootcmd: ["echo one"] });
    expect(warnings).toEqual([]);
  });
});

it("a same-size edit with the mtime put back is parsed again (the key holds the ctime)", async () => {
  const file = join(root, CFG);
  const c = cache();
  expect(c.read(`/${CFG}`)?.value).toEqual({ bootcmd: ["echo one"] });
  c.save();
  const { atime, mtime } = fs.statSync(file);
  await new Promise((r) => setTimeout(r, 20));
  const fd = fs.openSync(file, "r+");
  fs.writeSync(fd, "bootcmd: [echo two]\n", 0);
  fs.closeSync(fd);
  fs.utimesSync(file, atime, mtime);
  expect(fs.statSync(file).mtimeMs).toBe(mtime.getTime());
  expect(cache().read(`/${CFG}`)?.value).toEqual({ bootcmd: ["echo two"] });
});
