// `install --root` lays out what the .deb installs, and enables the units; the default
// config is written only where the image has none.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, isRoot } from "./root";

describe.skipIf(!isRoot)("install --root", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "cloud-agent-install-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("installs the binary, the cloud-init link, units, shim, generator and config, and enables the units", () => {
    const r = agent(root, ["install"]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(root, "usr/bin/cloud-agent")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(root, "usr/bin/cloud-init"))).toBe("cloud-agent");
    expect(statSync(join(root, "lib/systemd/system-generators/cloud-agent-generator")).mode & 0o111).toBeTruthy();
    // the generator is written with the datasources' checks filled in, not the template
    expect(readFileSync(join(root, "lib/systemd/system-generators/cloud-agent-generator"), "utf8")).toContain("'HUAWEICLOUD'");
    expect(statSync(join(root, "usr/lib/cloud-agent/cloud-agent-stage")).mode & 0o111).toBeTruthy();
    for (const unit of ["main", "local", "network", "config", "final"]) {
      expect(existsSync(join(root, `lib/systemd/system/cloud-agent-${unit}.service`))).toBe(true);
      expect(readlinkSync(join(root, `etc/systemd/system/cloud-agent.target.wants/cloud-agent-${unit}.service`))).toBe(`/lib/systemd/system/cloud-agent-${unit}.service`);
    }
    expect(readFileSync(join(root, "etc/cloud/cloud.cfg"), "utf8")).toContain("cloud_final_modules:");
  });

  it("keeps an image's own cloud.cfg", () => {
    mkdirSync(join(root, "etc/cloud"), { recursive: true });
    writeFileSync(join(root, "etc/cloud/cloud.cfg"), "datasource_list: [NoCloud]\n");
    expect(agent(root, ["install"]).code).toBe(0);
    expect(readFileSync(join(root, "etc/cloud/cloud.cfg"), "utf8")).toBe("datasource_list: [NoCloud]\n");
  });

  it("--package writes nothing under /etc", () => {
    expect(agent(root, ["install", "--package"]).code).toBe(0);
    expect(existsSync(join(root, "etc"))).toBe(false);
    expect(existsSync(join(root, "usr/share/cloud-agent/cloud.cfg"))).toBe(true);
  });
});
