import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinConfig } from "../../src/config/builtin";
import { disablingType, vendorDataSetting } from "../../src/stages/consume";
import { processUserData } from "../../src/userdata/process";

const SYSTEM = builtinConfig();
const image = (extra: Record<string, unknown>) => ({ ...extra, ...SYSTEM, ...extra });

describe("vendor-data enablement", () => {
  it("is on when neither the image nor user-data says anything, for both streams", () => {
    for (const key of ["vendor_data", "vendor_data2"] as const) {
      expect(vendorDataSetting(key, {}, SYSTEM)).toEqual({ key, disabledTypes: new Set() });
    }
  });

  it("the image turns it off from the system config, and says so", () => {
    const setting = vendorDataSetting("vendor_data", {}, image({ vendor_data: { enabled: false } }));
    expect(setting.off).toEqual({ level: "info", reason: expect.stringContaining("vendor_data.enabled in the system config is false") });
    // vendor_data2 is a stream of its own
    expect(vendorDataSetting("vendor_data2", {}, image({ vendor_data: { enabled: false } })).off).toBeUndefined();
    expect(vendorDataSetting("vendor_data2", {}, image({ vendor_data2: { enabled: false } })).off).toBeDefined();
  });

  it("user-data outranks the system config, as in cloud-init's merge", () => {
    expect(vendorDataSetting("vendor_data", { vendor_data: { enabled: true } }, image({ vendor_data: { enabled: false } })).off).toBeUndefined();
    expect(vendorDataSetting("vendor_data", { vendor_data: { enabled: false } }, SYSTEM).off?.reason).toContain("vendor_data.enabled in user-data is false");
  });

  it("false, null, 'disable' or a non-mapping from user-data are off, without quoting the string", () => {
    for (const value of [false, { enabled: null }, { enabled: "disable" }, { enabled: 0 }, { enabled: "" }, "yes", ["enabled"]]) {
      const setting = vendorDataSetting("vendor_data", { vendor_data: value }, SYSTEM);
      expect(setting.off?.reason).toContain("in user-data");
      expect(setting.off?.reason).not.toContain("disable");
    }
  });

  it("a user-data mapping without `enabled` does not undo an image's vendor_data: false", () => {
    const setting = vendorDataSetting("vendor_data", { vendor_data: { prefix: ["/bin/env"] } }, image({ vendor_data: false }));
    expect(setting.off?.reason).toContain("vendor_data in user-data has no enabled, and vendor_data in the system config is not a mapping");
    expect(vendorDataSetting("vendor_data", {}, image({ vendor_data: false })).off?.reason).toContain("vendor_data in the system config is false, not a mapping");
  });

  it("is on only for true and the words cloud-init takes as true, in any case and spacing", () => {
    for (const enabled of [true, "true", "TRUE", " Yes ", "on", "1", 1]) {
      expect(vendorDataSetting("vendor_data", { vendor_data: { enabled } }, SYSTEM).off).toBeUndefined();
    }
    const clearlyTrue = (v: unknown) => v === true || ((typeof v === "string" || typeof v === "number") && ["true", "yes", "on", "1"].includes(String(v).trim().toLowerCase()));
    fc.assert(
      fc.property(fc.anything().filter((v) => !clearlyTrue(v)), (enabled) => {
        expect(vendorDataSetting("vendor_data", { vendor_data: { enabled } }, SYSTEM).off).toBeDefined();
      }),
    );
  });

  it("disabled_handlers is a list of content types (or one); anything else turns the stream off", () => {
    const types = (value: unknown) => vendorDataSetting("vendor_data2", { vendor_data2: { disabled_handlers: value } }, SYSTEM);
    expect(types(["text/x-shellscript", " Text/Cloud-Boothook"]).disabledTypes).toEqual(new Set(["text/x-shellscript", "text/cloud-boothook"]));
    expect(types("text/cloud-config").disabledTypes).toEqual(new Set(["text/cloud-config"]));
    expect(types(null)).toEqual({ key: "vendor_data2", disabledTypes: new Set() });
    expect(types(5).off).toEqual({ level: "warn", reason: expect.stringContaining("vendor_data2.disabled_handlers in user-data is a number") });
    expect(types(["text/x-shellscript", { type: "x" }]).off?.level).toBe("warn");
    // the image's list applies when user-data only sets enabled
    const image2 = image({ vendor_data: { enabled: true, disabled_handlers: ["text/x-shellscript"] } });
    expect(vendorDataSetting("vendor_data", { vendor_data: { enabled: true } }, image2).disabledTypes).toEqual(new Set(["text/x-shellscript"]));
  });
});

describe("disabled_handlers applied to parts", () => {
  it("a listed type covers its variants, so a vendor cannot slip past it", () => {
    const disabled = new Set(["text/x-shellscript", "text/cloud-config"]);
    for (const type of ["text/x-shellscript", "text/x-shellscript-per-boot", "text/x-shellscript-per-once"]) expect(disablingType(disabled, type)).toBe("text/x-shellscript");
    expect(disablingType(disabled, "text/cloud-config-jsonp")).toBe("text/cloud-config");
    expect(disablingType(disabled, "text/cloud-boothook")).toBeUndefined();
    expect(disablingType(new Set(["text/x-shellscript-per-boot"]), "text/x-shellscript")).toBeUndefined();
  });

  const mime = (parts: [string, string][]) =>
    Buffer.from(`Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n${parts.map(([type, body]) => `--B\nContent-Type: ${type}\n\n${body}\n`).join("")}--B--\n`);

  it("a part of a disabled type is skipped and named; the others apply", async () => {
    const skipped: string[] = [];
    const disabled = new Set(["text/x-shellscript", "text/cloud-boothook", "text/jinja2", "text/part-handler"]);
    const skip = (type: string, where: string) => disabled.has(type) && skipped.push(`${where} ${type}`) > 0;
    const data = mime([
      ["text/x-shellscript", "#!/bin/sh\necho vendor"],
      ["text/cloud-boothook", "#cloud-boothook\necho hook"],
      ["text/cloud-config", "#cloud-config\nruncmd: [kept]"],
      ["text/jinja2", "## template: jinja\n#!/bin/sh\necho {{ v1.instance_id }}"],
      ["text/part-handler", "#part-handler\ndef list_types(): return []"],
    ]);
    const out = await processUserData(data, "vendor-data", { skip, instanceData: () => ({ v1: { instance_id: "i-1" } }) });
    expect(out.scripts).toEqual([]);
    expect(out.boothooks).toEqual([]);
    expect(out.cloudConfig).toEqual({ runcmd: ["kept"] });
    expect(out.problems).toEqual([]);
    expect(skipped).toEqual(["vendor-data part-004 text/jinja2", "vendor-data part-001 text/x-shellscript", "vendor-data part-002 text/cloud-boothook", "vendor-data part-005 text/part-handler"]);
  });
});
