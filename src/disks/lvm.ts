// LVM as its own tools report it (`lvs`/`pvs --reportformat json`) and the sizes `lvextend`
// takes, for growpart's chain: partition → pvresize → lvextend. Pure: the module runs the tools.

export interface LogicalVolume {
  /** lvm's name for it, what lvextend takes: "vg/lv" */
  name: string;
  /** The device-mapper uuid the kernel shows in /sys/block/dm-N/dm/uuid: "LVM-" + VG uuid + LV uuid, without dashes */
  dmUuid: string;
  vgUuid: string;
}

export interface PhysicalVolume {
  /** /dev/vda1 */
  device: string;
  vgUuid: string;
  /** Physical extents the PV gives its VG */
  extents: number;
  /** Extents a pvresize would give it on its device as the kernel now sees it */
  extentsOnDevice: number;
}

/** The lvs and pvs commands whose output parseLvs and parsePvs read (sizes in bytes, no suffix). */
export const LVS_ARGS = ["lvs", "--reportformat", "json", "-o", "lv_name,vg_name,lv_uuid,vg_uuid"];
export const PVS_ARGS = ["pvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "pv_name,vg_uuid,pv_pe_count,pe_start,dev_size,vg_extent_size"];

/** A device-mapper uuid lvm gave a logical volume itself (not one of its hidden layers, "-real", "-cow", "-tpool"...). */
export function isLogicalVolumeDmUuid(dmUuid: string): boolean {
  return /^LVM-[A-Za-z0-9]{64}$/.test(dmUuid);
}

export function parseLvs(json: string): LogicalVolume[] {
  return reportRows(json, "lv", ["lv_name", "vg_name", "lv_uuid", "vg_uuid"]).map((row) => ({
    name: `${row.vg_name}/${row.lv_name}`,
    dmUuid: `LVM-${row.vg_uuid.replaceAll("-", "")}${row.lv_uuid.replaceAll("-", "")}`,
    vgUuid: row.vg_uuid,
  }));
}

/** PVs in a VG; a PV in no VG has no extents to give and is left out. */
export function parsePvs(json: string): PhysicalVolume[] {
  return reportRows(json, "pv", ["pv_name", "vg_uuid", "pv_pe_count", "pe_start", "dev_size", "vg_extent_size"])
    .filter((row) => row.vg_uuid !== "")
    .map((row) => {
      const [extents, start, size, extent] = [row.pv_pe_count, row.pe_start, row.dev_size, row.vg_extent_size].map((field) => wholeNumber(field, row.pv_name));
      if (extent === 0) throw new Error(`pvs reported an extent size of 0 for ${row.pv_name}`);
      return { device: row.pv_name, vgUuid: row.vg_uuid, extents, extentsOnDevice: Math.max(0, Math.floor((size - start) / extent)) };
    });
}

function wholeNumber(field: string, pv: string): number {
  if (!/^\d{1,16}$/.test(field)) throw new Error(`pvs reported ${JSON.stringify(field)} for ${pv} where a number of bytes or extents belongs`);
  return Number(field);
}

/** The rows of one report ("lv", "pv") with the fields asked for, all strings; throws on any other shape. */
function reportRows(json: string, kind: "lv" | "pv", fields: string[]): Record<string, string>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${kind}s --reportformat json printed something that is not JSON`);
  }
  const reports = (parsed as { report?: unknown })?.report;
  if (!Array.isArray(reports)) throw new Error(`${kind}s --reportformat json printed no report`);
  const rows: Record<string, string>[] = [];
  for (const report of reports) {
    const list = (report as Record<string, unknown>)?.[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new Error(`${kind}s --reportformat json: "${kind}" is not a list`);
    for (const row of list) {
      const missing = fields.find((f) => typeof (row as Record<string, unknown>)?.[f] !== "string");
      if (missing) throw new Error(`${kind}s --reportformat json: a row without ${missing}`);
      rows.push(Object.fromEntries(fields.map((f) => [f, (row as Record<string, string>)[f]])));
    }
  }
  return rows;
}

/**
 * `growpart.lvm_size` as lvextend's arguments, or undefined when lvextend would not take it.
 * Two of lvextend's forms: extents as a percentage of the VG's free space or of the VG
 * (`-l +100%FREE`, `-l 80%VG`) and a size with a unit (`-L +2G`, `-L 20G`); a leading `+` adds
 * to the LV, without it the value is the LV's new size, as in lvextend (`100%FREE` is as many
 * extents as the VG has free, which fails once the LV is larger). A size needs its unit
 * (lvextend would read a bare number as MiB) and at least one sector; %PVS, %LV and %ORIGIN
 * are left out (they mean nothing or something else without a PV list and for a plain LV).
 */
export function lvextendSizeArgs(value: string): ["-l" | "-L", string] | undefined {
  const percent = /^\+?(\d{1,3})%(FREE|VG)$/.exec(value);
  if (percent) return Number(percent[1]) >= 1 && Number(percent[1]) <= 100 ? ["-l", value] : undefined;
  const size = /^\+?(\d{1,20}(?:\.\d{1,20})?)([bBsSkKmMgGtTpPeE])$/.exec(value);
  if (!size) return undefined;
  // lvm reads both cases as powers of 1024 (s: 512-byte sectors), refuses 0 sectors and 16 EiB,
  // and bytes that are not whole sectors
  const unit = size[2].toLowerCase();
  const bytes = Number(size[1]) * (unit === "s" ? 512 : 1024 ** "bkmgtpe".indexOf(unit));
  if (unit === "b" && bytes % 512 !== 0) return undefined;
  return bytes >= 512 && bytes < 2 ** 64 ? ["-L", value] : undefined;
}

/** What growpart asks of lvextend when `lvm_size` is not set: all the space the grown PVs added. */
export const DEFAULT_LVM_SIZE = "+100%FREE";
