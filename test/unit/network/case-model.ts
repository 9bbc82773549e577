// A corpus case through the boot's first steps: parsed by its format, matched to its NICs.
import { parseEc2Network } from "../../../src/network/ec2";
import { fallbackNetwork } from "../../../src/network/fallback";
import type { MachineNic } from "../../../src/network/fallback";
import type { NetworkModel } from "../../../src/network/model";
import { parseNetworkData } from "../../../src/network/openstack";
import { parseNetworkConfig } from "../../../src/network/parse";
import { resolveInterfaces } from "../../../src/network/resolve";
import type { NetworkCase } from "./cases";

function parseCase(c: NetworkCase): NetworkModel {
  if (c.format === "openstack") return parseNetworkData(c.input);
  if (c.format === "ec2") return parseEc2Network(c.input as Record<string, unknown>);
  if (c.format === "fallback") return fallbackNetwork(c.input as MachineNic[]) as NetworkModel;
  return parseNetworkConfig(c.input);
}

/** The model the renderers get at boot for this case. */
export const caseModel = (c: NetworkCase): NetworkModel => resolveInterfaces(parseCase(c), c.nics).model;
