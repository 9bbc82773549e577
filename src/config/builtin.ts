// What applies when /etc/cloud says nothing (cloud-init's settings.CFG_BUILTIN, trimmed to
// the datasources cloud-agent has). The shipped default /etc/cloud/cloud.cfg is units/cloud.cfg.
export const DEFAULT_DATASOURCE_LIST = ["NoCloud", "ConfigDrive", "OpenStack", "Ec2", "None"];

export function builtinConfig(): Record<string, unknown> {
  return {
    datasource_list: [...DEFAULT_DATASOURCE_LIST],
    def_log_file: "/var/log/cloud-init.log",
    output: { all: "| tee -a /var/log/cloud-init-output.log" },
    system_info: { distro: "debian" },
    vendor_data: { enabled: true, prefix: [] },
  };
}
