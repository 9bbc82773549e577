// Values from cloud-config that become lines of fstab or a time client's config: whatever the
// string, either it is refused or the file keeps its lines (no value adds one).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderChrony, renderNtp, renderTimesyncd, type TimeSources } from "../../modules/ntp";
import { fstabLine } from "../../src/disks/fstab";

const hostile = fc.oneof(fc.string(), fc.constantFrom("a\nb", "x\r\nserver evil", "pool.ntp.org iburst\nallow all", "a b", "\t", "#", "ok.example"));

function refusedOrSameLines(render: (value: string) => string, benign: string, value: string): void {
  let out: string;
  try {
    out = render(value);
  } catch (err) {
    // refused, with a message of the renderer's own (static: no value can be in it)
    expect((err as Error).message).toMatch(/white space|not a host name/);
    return;
  }
  expect(out.split("\n").length).toBe(render(benign).split("\n").length);
}

describe("config lines stay lines", () => {
  it("fstab: a field never splits a line or adds one", () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 5 }), (value, at) => {
        const entry = ["/dev/vdb", "/mnt", "auto", "defaults", "0", "2"];
        const line = (v: string) => fstabLine(entry.map((f, i) => (i === at ? v : f)));
        refusedOrSameLines(line, "x", value);
        // and a line that was written has its six fields
        if (value && !/\s/.test(value)) expect(line(value).split(/\s+/)).toHaveLength(6);
      }),
    );
  });

  it("chrony, ntp and timesyncd: a source never adds a directive", () => {
    const renderers = [(s: TimeSources) => renderChrony(s, false), (s: TimeSources) => renderNtp(s, "/var/lib/ntp/ntp.drift"), renderTimesyncd];
    fc.assert(
      fc.property(hostile, fc.constantFrom("servers", "pools", "peers", "allow") as fc.Arbitrary<keyof TimeSources>, (value, key) => {
        for (const render of renderers) {
          const sources = (v: string): TimeSources => ({ servers: ["a.example"], pools: [], peers: [], allow: [], [key]: [v] });
          refusedOrSameLines((v) => render(sources(v)), "b.example", value);
        }
      }),
    );
  });
});
