// timezone with the real zoneinfo of a Debian root.
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain JS shared with the boot tests
import { bootUnsupported, prepareMachine } from "../boot/harness.mjs";
import { agent } from "./root";

const unsupported = bootUnsupported();

describe.skipIf(unsupported)("timezone in a Debian root", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let m: any;
  afterEach(() => m?.dispose());

  function bootWith(zone: string) {
    m = prepareMachine("agent");
    m.writeSeed({ "meta-data": "instance-id: iid-tz\n", "user-data": `#cloud-config\ntimezone: ${zone}\n` });
    for (const args of [["init", "--local"], ["init"], ["modules", "--mode=config"], ["modules", "--mode=final"]]) agent(m.root, args);
    return agent(m.root, ["status", "--long"]);
  }

  it("points /etc/localtime at the zone and writes /etc/timezone", () => {
    expect(bootWith("Europe/Paris").code).toBe(0);
    expect(m.read("etc/timezone")).toBe("Europe/Paris\n");
    expect(m.readlink("etc/localtime")).toBe("/usr/share/zoneinfo/Europe/Paris");
  });

  it("an unknown zone is an error naming the key, and the machine keeps its zone", () => {
    const status = bootWith("Mars/Olympus_Mons");
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("module timezone failed: timezone: no such zone under /usr/share/zoneinfo");
    expect(m.readlink("etc/localtime")).toBe("/usr/share/zoneinfo/Etc/UTC");
  });

  it("a path out of zoneinfo is refused", () => {
    expect(bootWith("../../../etc/shadow").stdout).toContain("timezone: no such zone");
  });
});
