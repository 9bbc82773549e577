// Config text that is not a mapping is ignored with a warning that names its kind, not its text.
import { describe, expect, it } from "vitest";
import { configFromText } from "../../src/config/load";
import { Host } from "../../src/host/host";
import { Logger, LogSink } from "../../src/log/logger";

describe("config text", () => {
  it("that is not a mapping is ignored, and the warning does not quote it", () => {
    const sink = new LogSink(new Host({ root: "/nonexistent" }), { files: false });
    expect(configFromText("Tr0ub4dor&3", "user-data cloud-config", new Logger(sink, "config"))).toBeUndefined();
    expect(configFromText("[987654321]", "vendor-data cloud-config", new Logger(sink, "config"))).toBeUndefined();
    expect(sink.records).toEqual([
      { level: "WARNING", message: "user-data cloud-config: config must be a mapping, got a string; ignored" },
      { level: "WARNING", message: "vendor-data cloud-config: config must be a mapping, got a list; ignored" },
    ]);
  });
});
