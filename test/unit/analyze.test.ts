// The events of cloud-init.log and the records `analyze` prints from them.
import { describe, expect, it } from "vitest";
import { blameRecords, bootRecords, bootReport, parseEvents, showRecords } from "../../src/log/analyze";

const boot = (day: string) => `${day} 10:00:00,000 - stages[INFO]: Cloud-init v. 0.1.0 (cloud-agent) running 'init-local' at Thu, 03 Dec 2026 10:00:00 +0000. Up 1.00 seconds.
${day} 10:00:00,010 - stages[DEBUG]: start: init-local/search-NoCloud: searching for local data from DataSourceNoCloud
${day} 10:00:00,030 - stages[DEBUG]: finish: init-local/search-NoCloud: SUCCESS: found local data from DataSourceNoCloud
${day} 10:00:00,100 - stages[DEBUG]: finish: init-local: SUCCESS: searching for local datasources
${day} 10:00:01,000 - stages[INFO]: Cloud-init v. 0.1.0 (cloud-agent) running 'modules:final' at Thu, 03 Dec 2026 10:00:01 +0000. Up 2.00 seconds.
${day} 10:00:01,500 - runcmd[DEBUG]: start: modules-final/config-scripts_user: running config-scripts_user with frequency once-per-instance
${day} 10:00:01,750 - runcmd[DEBUG]: some output line mentioning start: nothing
${day} 10:00:02,000 - runcmd[DEBUG]: finish: modules-final/config-scripts_user: FAIL: module scripts_user failed
${day} 10:00:02,250 - stages[DEBUG]: finish: modules-final: FAIL: running modules for final
`;

describe("analyze", () => {
  const events = parseEvents(`${boot("2026-12-02")}a line that is no event\n${boot("2026-12-03")}`);

  it("reads banners and the reporter's start/finish lines, with their results", () => {
    expect(events.slice(0, 4).map((e) => [e.event_type, e.name, e.result])).toEqual([
      ["start", "init-local", undefined],
      ["start", "init-local/search-NoCloud", undefined],
      ["finish", "init-local/search-NoCloud", "SUCCESS"],
      ["finish", "init-local", "SUCCESS"],
    ]);
    expect(events.filter((e) => e.result === "FAIL")).toHaveLength(4);
  });

  it("a new boot record at each init-local; show and blame in cloud-init's layout", () => {
    const records = bootRecords(events);
    expect(records).toHaveLength(2);
    const show = showRecords(records.slice(0, 1));
    expect(show).toContain("Starting stage: init-local\n|`->found local data from DataSourceNoCloud @00.01000s +00.02000s\nFinished stage: (init-local) 00.10000 seconds\n");
    expect(show).toContain("Finished stage: (modules-final) 01.25000 seconds\n\nTotal Time: 1.35000 seconds\n\n1 boot records analyzed\n");
    expect(blameRecords(records)).toBe(
      "-- Boot Record 01 --\n     00.50000s (modules-final/config-scripts_user)\n     00.02000s (init-local/search-NoCloud)\n\n-- Boot Record 02 --\n     00.50000s (modules-final/config-scripts_user)\n     00.02000s (init-local/search-NoCloud)\n\n2 boot records analyzed\n",
    );
  });

  it("a finish without its start is left out", () => {
    expect(bootRecords(parseEvents("2026-12-03 10:00:00,000 - x[DEBUG]: finish: modules-final/config-x: SUCCESS: done\n"))).toEqual([]);
  });

  it("boot: the kernel's and cloud-init's start in cloud-init's words, dates as Python prints them", () => {
    const t = { kernelStart: 1764756000.5, kernelEnd: 1764756002.25, activated: 1764756003, cloudInitStart: 1764756003.125, container: false };
    expect(bootReport(t)).toBe(
      "-- Most Recent Boot Record --\n    Kernel Started at: 2025-12-03 10:00:00.500000\n    Kernel ended boot at: 2025-12-03 10:00:02.250000\n    Kernel time to boot (seconds): 1.75\n    Cloud-init activated by systemd at: 2025-12-03 10:00:03\n    Time between Kernel end boot and Cloud-init activation (seconds): 0.75\n    Cloud-init start: 2025-12-03 10:00:03.125000\n",
    );
    expect(bootReport({ ...t, container: true, cloudInitStart: undefined })).toBe(
      "-- Most Recent Container Boot Record --\n    Container started at: 2025-12-03 10:00:00.500000\n    Cloud-init activated by systemd at: 2025-12-03 10:00:03\n    Cloud-init start: Could not find init-local log-line in cloud-init.log\n",
    );
  });
});
