// The one checked-run helper: every failed command becomes a CommandError with one message.
import { describe, expect, it } from "vitest";
import { CommandError, commandFailure } from "../../src/host/command-error";
import { Host } from "../../src/host/host";

const result = (over: Partial<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }>) => ({
  code: 1,
  signal: null,
  stdout: "",
  stderr: "",
  timedOut: false,
  ...over,
});

describe("commandFailure", () => {
  it("says how it ended and the last line it printed (stderr first)", () => {
    expect(commandFailure("apt-get install x", result({ code: 100, stderr: "W: one\nE: Unable to locate package x\n\n", stdout: "Reading...\n" }))).toBe(
      "apt-get install x exited with 100: E: Unable to locate package x",
    );
    expect(commandFailure("growpart /dev/vda 1", result({ code: 2, stdout: "FAILED: bad\n" }))).toBe("growpart /dev/vda 1 exited with 2: FAILED: bad");
    expect(commandFailure("resize2fs", result({ code: 0, signal: "SIGKILL" }))).toBe("resize2fs was killed by SIGKILL");
    expect(commandFailure("locale-gen", result({ code: 137, timedOut: true }))).toBe("locale-gen did not finish in time");
  });

  it("never quotes the output of the user's own commands", () => {
    expect(commandFailure("bootcmd", result({ code: 3, stderr: "password=hunter2\n" }), false)).toBe("bootcmd exited with 3");
  });
});

describe("Host.runChecked", () => {
  const host = new Host({ root: "/" });
  it("returns the result of a command that exits 0", async () => {
    expect((await host.runChecked(["sh", "-c", "echo fine"])).stdout).toBe("fine\n");
  });

  it("throws a CommandError naming the command, or what the caller calls it", async () => {
    const failing = ["sh", "-c", "echo oops >&2; exit 3"];
    const err = await host.runChecked(failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toBe("sh -c echo oops >&2; exit 3 exited with 3: oops");
    expect((err as CommandError).result.code).toBe(3);
    await expect(host.runChecked(failing, { what: "the check" })).rejects.toThrow(/^the check exited with 3: oops$/);
    await expect(host.runChecked(["/nonexistent/tool"])).rejects.toThrow(/^\/nonexistent\/tool exited with 127: /);
  });
});
