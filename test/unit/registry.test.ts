import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { moduleByName, MODULES, normalModuleName } from "../../modules/index";
import { DATASOURCES } from "../../src/datasources/index";

describe("registries", () => {
  it("registers every module file's exports", async () => {
    const dir = join(__dirname, "../../modules");
    for (const file of readdirSync(dir).filter((f) => f !== "index.ts")) {
      const exports = Object.values(await import(join(dir, file))).filter((v) => typeof v === "object" && v && "run" in v);
      expect(exports.length, `${file} exports a module`).toBeGreaterThan(0);
      for (const mod of exports) expect(MODULES).toContain(mod);
    }
  });

  it("gives each module a unique cloud-init name, a frequency and a schema", () => {
    const names = MODULES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of MODULES) {
      expect(m.name).toMatch(/^[a-z_]+$/);
      expect(["always", "once-per-instance", "once"]).toContain(m.frequency);
      expect(m.schema).toBeTypeOf("object");
    }
  });

  it("finds modules by every spelling cloud.cfg uses", () => {
    expect(normalModuleName("cc_write-files.py")).toBe("write_files");
    expect(moduleByName("write-files")?.name).toBe("write_files");
    expect(moduleByName("scripts-user")?.name).toBe("scripts_user");
  });

  it("registers every datasource a file in src/datasources exports, under its lower-cased name", async () => {
    const dir = join(__dirname, "../../src/datasources");
    let found = 0;
    for (const file of readdirSync(dir).filter((f) => f !== "index.ts")) {
      for (const ds of Object.values(await import(join(dir, file))).filter((v) => typeof v === "object" && v && "detect" in v && "read" in v)) {
        found++;
        expect(DATASOURCES[(ds as { name: string }).name.toLowerCase()]).toBe(ds);
      }
    }
    expect(found).toBe(Object.keys(DATASOURCES).length);
  });
});
