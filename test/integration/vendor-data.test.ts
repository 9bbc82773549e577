// Vendor-data through the built agent in a throwaway root: the image (cloud.cfg.d) or user-data
// can turn it off, anything not clearly true is off, and disabled_handlers skips part types.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { boot, isRoot, makeRoot, read, writeSeed } from "./root";

const VENDOR_DATA = `Content-Type: multipart/mixed; boundary="V"
MIME-Version: 1.0

--V
Content-Type: text/cloud-config

#cloud-config
bootcmd: ["echo ran > /var/tmp/vendor-bootcmd"]
--V
Content-Type: text/x-shellscript; name="vendor-script"

#!/bin/sh
echo ran > /var/tmp/vendor-script
--V
Content-Type: text/x-shellscript-per-boot; name="vendor-per-boot"

#!/bin/sh
echo ran > /var/tmp/vendor-per-boot
--V
Content-Type: text/cloud-boothook; name="vendor-hook"

#cloud-boothook
#!/bin/sh
echo ran > /var/tmp/vendor-boothook
--V--
`;
const MARKERS = ["vendor-bootcmd", "vendor-script", "vendor-per-boot", "vendor-boothook"];

describe.skipIf(!isRoot)("vendor-data opt-outs", () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

  /** Boots a root with the vendor-data above; returns what of it ran, and the log. */
  function bootWith(userData: string, imageConfig?: string) {
    const root = makeRoot();
    roots.push(root);
    if (imageConfig) {
      mkdirSync(join(root, "etc/cloud/cloud.cfg.d"), { recursive: true });
      writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-image.cfg"), imageConfig);
    }
    writeSeed(root, { "meta-data": "instance-id: iid-vendor\n", "user-data": userData, "vendor-data": VENDOR_DATA });
    const codes = boot(root).map((r) => r.code);
    const ran = MARKERS.filter((f) => existsSync(join(root, "var/tmp", f)));
    return { codes, ran, log: read(root, "var/log/cloud-init.log") };
  }

  it("runs vendor bootcmd, scripts and boothooks when nothing says otherwise", () => {
    const { codes, ran } = bootWith("#cloud-config\n{}\n");
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(ran).toEqual(MARKERS);
  });

  it("the image's vendor_data: {enabled: false} in cloud.cfg.d keeps all of it from running, and the log says where", () => {
    const { codes, ran, log } = bootWith("#cloud-config\n{}\n", "vendor_data: {enabled: false}\n");
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(ran).toEqual([]);
    expect(log).toContain("vendor-data not consumed: vendor_data.enabled in the system config is false");
  });

  it.each([
    ["vendor_data: false", "vendor_data in user-data is false, not a mapping"],
    ["vendor_data: {enabled: null}", "vendor_data.enabled in user-data is null"],
    ["vendor_data: {enabled: disable}", "vendor_data.enabled in user-data is a string; only true"],
  ])("user-data %s turns it off", (setting, why) => {
    const { codes, ran, log } = bootWith(`#cloud-config\n${setting}\n`);
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(ran).toEqual([]);
    expect(log).toContain(`vendor-data not consumed: ${why}`);
  });

  it("disabled_handlers skips the scripts (per-boot ones too) and boothooks and names them; the vendor cloud-config still applies", () => {
    const { codes, ran, log } = bootWith("#cloud-config\n{}\n", "vendor_data: {enabled: true, disabled_handlers: [text/x-shellscript, text/cloud-boothook]}\n");
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(ran).toEqual(["vendor-bootcmd"]);
    expect(log).toContain("vendor-data vendor-script: text/x-shellscript is disabled by vendor_data.disabled_handlers (text/x-shellscript); part skipped");
    expect(log).toContain("vendor-data vendor-per-boot: text/x-shellscript-per-boot is disabled by vendor_data.disabled_handlers (text/x-shellscript); part skipped");
    expect(log).toContain("vendor-data vendor-hook: text/cloud-boothook is disabled by vendor_data.disabled_handlers (text/cloud-boothook); part skipped");
  });

  it("vendor_data2 (OpenStack's dynamic vendor data) has its own switch", () => {
    const root = makeRoot();
    roots.push(root);
    const seed = join(root, "var/lib/cloud/seed/config_drive/openstack/latest");
    mkdirSync(seed, { recursive: true });
    mkdirSync(join(root, "etc/cloud/cloud.cfg.d"), { recursive: true });
    writeFileSync(join(root, "etc/cloud/cloud.cfg.d/90-image.cfg"), "vendor_data2: {enabled: false}\n");
    writeFileSync(join(seed, "meta_data.json"), JSON.stringify({ uuid: "iid-vendor2", meta: {} }));
    writeFileSync(join(seed, "user_data"), "#cloud-config\n{}\n");
    writeFileSync(join(seed, "vendor_data.json"), JSON.stringify({ "cloud-init": "#cloud-config\nruncmd: [echo v1 >> /var/tmp/vendor.log]\n" }));
    writeFileSync(join(seed, "vendor_data2.json"), JSON.stringify({ "cloud-init": "#cloud-config\nbootcmd: [echo v2 >> /var/tmp/vendor.log]\n" }));
    expect(boot(root).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(read(root, "var/tmp/vendor.log")).toBe("v1\n");
    expect(read(root, "var/log/cloud-init.log")).toContain("vendor-data2 not consumed: vendor_data2.enabled in the system config is false");
  });
});
