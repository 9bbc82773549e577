import { describe, expect, it } from "vitest";
import { emptyStatus, renderTabular, rfc2822, summarize, statusObject } from "../../src/state/status";

function finished(errors: string[] = [], recoverable: Record<string, string[]> = {}) {
  const s = emptyStatus();
  s.v1.datasource = "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]";
  for (const key of ["init-local", "init", "modules-config", "modules-final"] as const) {
    s.v1[key] = { errors: [], finished: 100, recoverable_errors: {}, start: 99 };
  }
  s.v1["modules-final"].errors = errors;
  s.v1["modules-config"].recoverable_errors = recoverable;
  return s;
}

describe("status summary", () => {
  it("is not started without status.json", () => {
    const s = summarize(undefined, false, "enabled-by-generator");
    expect(s.status).toBe("not started");
    expect(s.exitCode).toBe(0);
    expect(s.detail).toBe("Cloud-init enabled by systemd cloud-init-generator");
  });

  it("is running while status.json exists without result.json", () => {
    const s = emptyStatus();
    s.v1.stage = "init";
    s.v1.init.start = 5;
    const sum = summarize(s, false, "enabled-by-generator");
    expect(sum.status).toBe("running");
    expect(sum.detail).toBe("Running in stage: init");
  });

  it("is done, exit 0, when every stage finished cleanly", () => {
    const sum = summarize(finished(), true, "enabled-by-generator");
    expect([sum.status, sum.extended_status, sum.exitCode]).toEqual(["done", "done", 0]);
    expect(sum.datasource).toBe("nocloud");
  });

  it("is error, exit 1, when a stage recorded errors", () => {
    const sum = summarize(finished(["module runcmd failed: boom"]), true, "enabled-by-generator");
    expect([sum.status, sum.extended_status, sum.exitCode]).toEqual(["error", "error - done", 1]);
  });

  it("is degraded, exit 2, only for partial failures, not for warnings or deprecations", () => {
    const warned = summarize(finished([], { WARNING: ["w"], DEPRECATED: ["d"] }), true, "enabled-by-generator");
    expect([warned.status, warned.extended_status, warned.exitCode]).toEqual(["done", "done", 0]);
    const partial = summarize(finished([], { ERROR: ["one of three files not written"] }), true, "enabled-by-generator");
    expect([partial.status, partial.extended_status, partial.exitCode]).toEqual(["done", "degraded done", 2]);
  });

  it("is disabled when the boot status code says so", () => {
    expect(summarize(undefined, false, "disabled-by-marker-file").status).toBe("disabled");
  });

  it("renders cloud-init's tabular --long layout", () => {
    const sum = summarize(finished(["bad\nthing"], { WARNING: ["careful"] }), true, "enabled-by-generator");
    expect(renderTabular(sum, false)).toBe("status: error\n");
    expect(renderTabular(sum, true)).toBe(
      [
        "status: error",
        "extended_status: error - done",
        "boot_status_code: enabled-by-generator",
        `last_update: ${rfc2822(new Date(100_000))}`,
        "detail: DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]",
        "errors:",
        "\t- bad thing",
        "recoverable_errors:",
        "WARNING:",
        "\t- careful",
        "",
      ].join("\n"),
    );
  });

  it("puts the stage objects into the JSON form", () => {
    const file = finished();
    const obj = statusObject(summarize(file, true, "enabled-by-generator"), file);
    expect(obj).toHaveProperty("init-local");
    expect(obj).not.toHaveProperty("v1");
    expect(obj.datasource).toBe("nocloud");
  });

  it("formats dates as RFC 2822 in UTC", () => {
    expect(rfc2822(new Date(125_000))).toBe("Thu, 01 Jan 1970 00:02:05 +0000");
  });

  it("--long shows each message as one line without control characters", () => {
    const sum = summarize(finished(["module x failed: a\nb\x1b[2Jc"]), true, "enabled-by-generator");
    expect(renderTabular(sum, true)).toContain("errors:\n\t- module x failed: a b [2Jc\n");
  });
});
