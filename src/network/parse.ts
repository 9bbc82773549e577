// One entry for network config from cloud.cfg, seeds and the kernel command line: v1 or v2.
import { describe, networkDocument } from "./document";
import type { NetworkModel } from "./model";
import { parseV1 } from "./v1";
import { parseV2 } from "./v2";

export function parseNetworkConfig(value: unknown): NetworkModel {
  const version = networkDocument(value).version;
  if (version === 1) return parseV1(value);
  if (version === 2) return parseV2(value);
  throw new Error(`unknown network config version ${describe(version)} (1 or 2 expected)`);
}
