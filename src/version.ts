// cloud-agent's own version (from package.json at build time), and the cloud-init release
// whose CLI and files it matches: tools that parse `cloud-init --version` see the latter.
declare const __CLOUD_AGENT_VERSION__: string | undefined;

export const VERSION = typeof __CLOUD_AGENT_VERSION__ === "string" ? __CLOUD_AGENT_VERSION__ : "0.0.0-dev";
export const CLOUD_INIT_COMPAT_VERSION = "24.1";
