import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkResultFile, checkStatusFile, emptyStatus, markInterrupted, renderTabular, rfc2822, summarize, statusObject } from "../../src/state/status";

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

  it("is degraded, exit 2, for any WARNING-or-worse record (cloud-init 23.4's rule); healthy without one", () => {
    for (const level of ["WARNING", "DEPRECATED", "ERROR"]) {
      const s = summarize(finished([], { [level]: ["something"] }), true, "enabled-by-generator");
      expect([level, s.status, s.extended_status, s.exitCode]).toEqual([level, "done", "degraded done", 2]);
    }
    const clean = summarize(finished([], { WARNING: [] }), true, "enabled-by-generator");
    expect([clean.status, clean.extended_status, clean.exitCode]).toEqual(["done", "done", 0]);
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

describe("status.json read back", () => {
  it("keeps a well-formed file as it is, filling stages it lacks", () => {
    const file = finished(["e"], { WARNING: ["w"] });
    expect(checkStatusFile(JSON.parse(JSON.stringify(file)))).toEqual(file);
    const partial = checkStatusFile({ v1: { datasource: "DataSourceNone", stage: "init", init: { errors: [], start: 3, finished: null } } });
    expect(partial).toMatchObject({ v1: { stage: "init", init: { start: 3, finished: null, recoverable_errors: {} }, "modules-final": { start: null } } });
  });

  it("names what is wrong with a file of the wrong shape", () => {
    expect(checkStatusFile(null)).toBe("it has no v1 object");
    expect(checkStatusFile({ v1: [] })).toBe("it has no v1 object");
    expect(checkStatusFile({ v1: { stage: "bogus" } })).toBe("v1.stage is not a stage name");
    expect(checkStatusFile({ v1: { init: { errors: [1] } } })).toBe("v1.init.errors is not a list of strings");
    expect(checkStatusFile({ v1: { init: { errors: [], start: "1" } } })).toBe("v1.init.start or .finished is not a number");
    expect(checkStatusFile(JSON.parse('{"v1": {"init": {"errors": [], "recoverable_errors": {"__proto__": ["x"]}}}}'))).toBe(
      "v1.init.recoverable_errors is not lists of strings by level",
    );
    expect(checkResultFile({ v1: { datasource: 1, errors: [] } })).toBe("v1.datasource is not a string");
    expect(checkResultFile({ v1: { datasource: null, errors: ["e"] } })).toEqual({ v1: { datasource: null, errors: ["e"] } });
  });

  it("never throws, and what it accepts summarizes and renders without throwing", () => {
    const stage = fc.record({ errors: fc.anything(), start: fc.oneof(fc.double(), fc.constant(null), fc.string()), finished: fc.anything(), recoverable_errors: fc.anything() }, { requiredKeys: [] });
    const v1 = fc.record({ datasource: fc.anything(), stage: fc.constantFrom("init", "bogus", null), init: stage, "modules-final": stage }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ v1 })), (value) => {
        const checked = checkStatusFile(value);
        if (typeof checked === "string") return;
        markInterrupted(checked, () => false);
        renderTabular(summarize(checked, false, "unknown"), true);
      }),
    );
  });
});

describe("interrupted stages", () => {
  it("a stage started and never finished is an error unless it is running now", () => {
    const s = emptyStatus();
    s.v1["init-local"] = { errors: [], finished: 2, recoverable_errors: {}, start: 1 };
    s.v1.init = { errors: [], finished: null, recoverable_errors: {}, start: 3 };
    expect(markInterrupted(s, (key) => key === "init")).toEqual([]);
    expect(markInterrupted(s, () => false, { stage: "init", pid: 77 })).toEqual(["init"]);
    expect(s.v1.init.errors).toEqual(["stage init did not finish: cloud-agent exited while running it (pid 77)"]);
    // marking again (every later stage and every status call does) adds nothing
    markInterrupted(s, () => false);
    expect(s.v1.init.errors).toHaveLength(1);
    s.v1["modules-final"] = { errors: [], finished: 9, recoverable_errors: {}, start: 8 };
    const sum = summarize(s, true, "enabled-by-generator");
    expect([sum.status, sum.extended_status, sum.exitCode]).toEqual(["error", "error - done", 1]);
  });
});
