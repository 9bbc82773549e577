import { describe, expect, it } from "vitest";
import { decodeContent, MAX_INFLATED_BYTES, permissions } from "../../modules/write-files";
import { renderTemplate } from "../../src/config/template";
import { parseArgs, UsageError } from "../../src/cli/args";
import { parseNoCloudArgs, publicKeys } from "../../src/datasources/nocloud";
import { parseModuleEntry } from "../../src/stages/run-modules";
import { semaphoreFor } from "../../src/state/semaphore";
import { gzipSync } from "node:zlib";

describe("write_files permissions and encodings", () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  it.each([
    [420, 0o644],
    ["0644", 0o644],
    ["644", 0o644],
    ["0o755", 0o755],
    [undefined, 0o644],
  ])("%j -> %o", (value, mode) => expect(permissions(value, warn)).toBe(mode));
  it("takes YAML int 644 as decimal, as cloud-init does (0o1204)", () => expect(permissions(644, warn)).toBe(0o1204));
  it("falls back to 0644 with a warning", () => {
    expect(permissions("rw-r--r--", warn)).toBe(0o644);
    expect(warnings.at(-1)).toMatch(/undecodable/);
  });
  it("decodes b64, gzip and gz+b64", () => {
    expect(decodeContent("aGVsbG8=", "b64", warn).toString()).toBe("hello");
    expect(decodeContent(gzipSync("hi"), "gzip", warn).toString()).toBe("hi");
    expect(decodeContent(gzipSync("hi").toString("base64"), "gz+b64", warn).toString()).toBe("hi");
  });
  it("refuses gzip that inflates past the bound, or does not inflate, without quoting it", () => {
    const bomb = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1));
    expect(() => decodeContent(bomb, "gzip", warn)).toThrow(`gzip content inflates past ${MAX_INFLATED_BYTES} bytes; not written`);
    expect(decodeContent(gzipSync(Buffer.alloc(MAX_INFLATED_BYTES)), "gzip", warn).length).toBe(MAX_INFLATED_BYTES);
    expect(() => decodeContent("not gzip at all", "gz", warn)).toThrow(/^gzip content does not inflate: incorrect header check$/);
  });
});

describe("final_message rendering", () => {
  it("substitutes $var and ${var} without a jinja header, {{ var }} with one", () => {
    expect(renderTemplate("up $uptime s ${version}", { uptime: "3", version: "1" })).toBe("up 3 s 1");
    expect(renderTemplate("## template: jinja\nv{{ version }} {{unknown}}", { version: "1" })).toBe("v1 {{unknown}}");
  });
});

describe("NoCloud kernel command line", () => {
  it("parses short keys and picks dsmode", () => {
    expect(parseNoCloudArgs("ro ds=nocloud;i=iid-9;h=node;s=/seed/ quiet")).toEqual({ "instance-id": "iid-9", "local-hostname": "node", seedfrom: "/seed/", dsmode: "local" });
    expect(parseNoCloudArgs("ds=nocloud-net;s=http://10.0.0.1/")?.dsmode).toBe("net");
    expect(parseNoCloudArgs("ro quiet")).toBeUndefined();
  });
  it("reads public-keys in every shape", () => {
    expect(publicKeys({ a: "ssh-rsa A", b: ["ssh-ed25519 B"] })).toEqual(["ssh-rsa A", "ssh-ed25519 B"]);
    expect(publicKeys("k1\nk2\n")).toEqual(["k1", "k2"]);
  });
});

describe("module list entries and semaphores", () => {
  it("reads the three entry forms", () => {
    expect(parseModuleEntry("write-files")).toEqual({ name: "write_files", args: [] });
    expect(parseModuleEntry(["runcmd", "always", "x"])).toEqual({ name: "runcmd", frequency: "always", args: ["x"] });
    expect(parseModuleEntry({ name: "runcmd", frequency: "once" })).toEqual({ name: "runcmd", frequency: "once", args: [] });
    expect(parseModuleEntry(42)).toBeUndefined();
  });
  it("names semaphores as cloud-init does", () => {
    expect(semaphoreFor("once-per-instance", "i-1", "config-scripts-user")).toBe("/var/lib/cloud/instances/i-1/sem/config_scripts_user");
    expect(semaphoreFor("once", "i-1", "config-runcmd")).toBe("/var/lib/cloud/sem/config_runcmd.once");
    expect(semaphoreFor("always", "i-1", "config-bootcmd")).toBeUndefined();
  });
});

describe("argument parsing", () => {
  const spec = { name: "status", summary: "", options: [{ name: "format", value: true, choices: ["json", "yaml"], help: "" }, { name: "long", short: "l", help: "" }] };
  it("accepts --opt=value, --opt value and short flags", () => {
    expect(parseArgs(spec, ["--format=json", "-l"]).options).toEqual({ format: "json", long: true });
    expect(parseArgs(spec, ["--format", "yaml"]).options.format).toBe("yaml");
  });
  it("refuses unknown flags and bad choices", () => {
    expect(() => parseArgs(spec, ["--bogus"])).toThrow(UsageError);
    expect(() => parseArgs(spec, ["--format", "xml"])).toThrow(/invalid choice/);
  });
});
