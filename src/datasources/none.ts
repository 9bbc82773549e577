// The fallback when nothing else is found: no data, a fixed instance-id, and a warning
// (final_message reports "Used fallback datasource").
import { DS_DOC, type Datasource } from "./types";

export const none: Datasource = {
  name: "None",
  stages: ["network"],
  detect: () => true,
  async read() {
    return {
      datasource: "None",
      description: "DataSourceNone",
      instanceId: "iid-datasource-none",
      publicKeys: [],
      metadata: { "instance-id": "iid-datasource-none" },
      userData: Buffer.alloc(0),
      dsmode: "net",
      platform: "none",
      subplatform: "config",
      cloudName: "none",
      ds: { _doc: DS_DOC, meta_data: {} },
    };
  },
};
