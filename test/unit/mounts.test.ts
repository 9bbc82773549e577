import { describe, expect, it } from "vitest";
import { mountOf, parseMountinfo } from "../../src/disks/mounts";

const MOUNTINFO = `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid - proc proc rw
30 22 254:2 / /var/lib rw - xfs /dev/vda2 rw
31 22 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw
`;

describe("mountinfo", () => {
  const mounts = parseMountinfo(MOUNTINFO);
  it("reads mount point, device numbers, type and source", () => {
    expect(mounts[0]).toEqual({ mountPoint: "/", majorMinor: "254:1", fstype: "ext4", source: "/dev/vda1" });
    expect(mounts[3].mountPoint).toBe("/mnt/with space");
  });
  it("finds the deepest mount holding a path", () => {
    expect(mountOf(mounts, "/")?.source).toBe("/dev/vda1");
    expect(mountOf(mounts, "/var/lib/cloud")?.source).toBe("/dev/vda2");
    expect(mountOf(mounts, "/var/library")?.source).toBe("/dev/vda1");
  });
});
