// How the programs that read the rendered files see them, reduced to their structure (files,
// sections, stanzas, keys; not values), so a hostile value and a plain one can be compared.
// Small readers written from each format's documented rules, and the real consumers where this
// machine has them: dash for sysconfig, ifupdown's ifquery from the cached Debian rootfs,
// PyYAML for netplan.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { RenderedFile } from "../../../src/network/render";

/** The structure of one renderer's output: for each file (by directory) the sorted shapes of its lines. */
export function structure(renderer: string, files: RenderedFile[]): string[] {
  const kind = (path: string) => /\.(network|netdev)$/.exec(path)?.[1] ?? basename(path).split("-")[0];
  return files.map((f) => `${dirname(f.path)} ${kind(f.path)}: ${shapes(renderer, f).sort().join(" | ")}`).sort();
}

function shapes(renderer: string, file: RenderedFile): string[] {
  if (file.path.startsWith("/etc/udev/")) return logicalLines(file.content, false).map((l) => l.split(",").map((p) => p.split(/[=!]=?/)[0].trim()).join(","));
  if (renderer === "eni") return eniShapes(file.content);
  if (renderer === "networkd") return iniShapes(file.content, true);
  if (renderer === "network-manager") return iniShapes(file.content, false);
  if (renderer === "sysconfig") return basename(file.path).startsWith("route6-") ? logicalLines(file.content, false).map((l) => `${l.split(/\s+/).length} words`) : assignmentShapes(file.content);
  return []; // netplan: parsed by PyYAML (yamlStructures)
}

/** Non-empty, non-comment lines; with `continuation`, a line ending in a backslash joined to the next. */
function logicalLines(text: string, continuation: boolean): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = pending + raw;
    if (continuation && line.endsWith("\\")) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = "";
    if (line.trim() && !line.trimStart().startsWith("#")) out.push(line);
  }
  if (pending) out.push(pending);
  return out;
}

/** interfaces(5): stanzas start with iface, auto, allow-..., mapping or source; other lines are
 * "option value"; a trailing backslash continues a line; post-up lines are shell commands. */
function eniShapes(text: string): string[] {
  return logicalLines(text, true).map((line) => {
    const words = line.trim().split(/\s+/);
    if (words[0] === "iface") return `iface <name> ${words.slice(2).join(" ")}`;
    if (words[0] === "auto") return `auto ${words.length - 1}`;
    if (words[0] === "post-up" || words[0] === "pre-down") {
      // what the shell would see beyond words: any quoting, expansion or separator
      const command = line.trim().replace(/ \|\| true$/, "");
      return `${words[0]} ${words.length} words${/[;&|`$()<>\\'"*?[\]{}~!#]/.test(command) ? " WITH SHELL SYNTAX" : ""}`;
    }
    // bond options are many and any may be set: their lines count, not their names
    return words[0].startsWith("bond-") ? "bond-<option>" : words[0];
  });
}

/** systemd.syntax(7) (continuation, "#" and ";" comments) or GKeyFile (no continuation, "#" comments). */
function iniShapes(text: string, systemd: boolean): string[] {
  let section = "";
  return logicalLines(text, systemd)
    .filter((line) => !(systemd && line.trimStart().startsWith(";")))
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed.startsWith("[")) return (section = trimmed);
      const eq = trimmed.indexOf("=");
      if (eq < 0) return "NOT A KEY LINE";
      return section === "[bond]" ? "<bond option>=" : `${trimmed.slice(0, eq).trim()}=`;
    });
}

/** KEY=value lines as initscripts' shell reads them (the real shell reads a sample in shellStructures). */
function assignmentShapes(text: string): string[] {
  return logicalLines(text, false).map((line) => {
    const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
    if (key === undefined) return "NOT AN ASSIGNMENT";
    return isShellLiteral(line.slice(key.length + 1)) ? `${key}=` : `${key}= NOT ONE LITERAL WORD`;
  });
}

/** Whether the shell reads `value` as one word with nothing expanded or run: bare characters
 * with no meaning to it, '...' runs, "..." runs without $, ` or backslash, and \x escapes. */
function isShellLiteral(value: string): boolean {
  const parts = value.match(/'[^']*'|"[^"$`\\]*"|\\[^\n]|[^\s'"$`\\;&|<>()*?[\]#~{}!]+/g) ?? [];
  return parts.join("") === value;
}

/** ifcfg and route files are shell: for each set, `sh -n` must accept every file, and sourcing
 * one (in an empty environment, in a scratch directory) sets exactly its keys and runs nothing.
 * One shell per set: per file the variables it set and any file that appeared. */
export function shellStructures(sets: string[][]): string[] {
  const root = mkdtempSync(join(tmpdir(), "ifcfg-"));
  try {
    const baseline = names(spawnSync("env", ["-i", "sh", "-c", "f=; set"], { cwd: root, encoding: "utf8" }).stdout);
    // one shell per set, each file sourced in a subshell of it
    const script = 'for f in *; do echo "@@"; sh -n "./$f" 2>/dev/null || echo "SH -N REFUSED"; (. "./$f" >/dev/null 2>&1; set); done; ls -A | wc -l';
    return sets.map((texts, i) => {
      const dir = join(root, String(i));
      mkdirSync(dir);
      texts.forEach((text, n) => writeFileSync(join(dir, `f${n}`), text));
      const out = spawnSync("env", ["-i", "sh", "-c", script], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 }).stdout;
      const blocks = out.split("@@\n").slice(1);
      const files = blocks.map((block) => [...names(block)].filter((n) => !baseline.has(n)).sort().join(",") + (block.includes("SH -N REFUSED") ? " SH -N REFUSED" : ""));
      return `${files.sort().join(" | ")} / ${out.trim().split("\n").pop()} files`;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function names(setOutput: string): Set<string> {
  return new Set([...setOutput.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
}

const IFQUERY = ["base", "cloud-init"].map((kind) => `/var/cache/cloud-agent/rootfs-bookworm-v3-${kind}/sbin/ifquery`).find((p) => existsSync(p));

/** ifupdown's own reading of ENI files, when the cached Debian rootfs has ifquery (run in
 * place from the cache, read-only: the host's network is not touched). */
export const haveIfquery = IFQUERY !== undefined;

/** Per interface ifquery lists, the sorted names of the options it parsed; one run per batch. */
export function ifqueryStructures(texts: string[]): string[] {
  if (!IFQUERY) throw new Error("no ifquery");
  const dir = mkdtempSync(join(tmpdir(), "eni-"));
  try {
    texts.forEach((text, i) => writeFileSync(join(dir, String(i)), text));
    const script = `for f in $(seq 0 ${texts.length - 1}); do echo "@@"; for i in $("$Q" -i "$f" --list); do echo "@"; "$Q" -i "$f" "$i" | cut -d: -f1 | sed 's/^bond-.*/bond-<option>/' | sort; done; done`;
    const out = spawnSync("sh", ["-c", script], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, Q: IFQUERY }, maxBuffer: 64 << 20 });
    return out.stdout.split("@@\n").slice(1).map((block) => block.split("@\n").slice(1).map((keys) => keys.trim().split("\n").join(",")).sort().join(" | "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** netplan YAML as PyYAML (what netplan itself is written in) reads it: key paths and list lengths. */
export function yamlStructures(texts: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "netplan-"));
  try {
    mkdirSync(join(dir, "in"));
    texts.forEach((text, i) => writeFileSync(join(dir, "in", String(i)), text));
    const program = `
import json, os, sys, yaml
NAMED = {"ethernets", "bonds", "bridges", "vlans", "parameters"}
def shape(node, path):
    if isinstance(node, dict):
        # an address with options is a mapping keyed by the address itself
        keyed = path.rsplit("/", 1)[-1] in NAMED or path.endswith("/addresses[]")
        return [p for k in sorted(node, key=str) for p in shape(node[k], path + "/" + ("<key>" if keyed else str(k)))]
    if isinstance(node, list):
        return [path + "[" + str(len(node)) + "]"] + [p for item in node for p in shape(item, path + "[]")]
    return [path + ":" + type(node).__name__]
out = []
for i in range(${texts.length}):
    with open(os.path.join(sys.argv[1], str(i)), encoding="utf-8", errors="surrogateescape") as f:
        try:
            out.append(" | ".join(sorted(shape(yaml.safe_load(f), ""))))
        except yaml.YAMLError as e:
            out.append("YAML ERROR " + str(e).splitlines()[0])
print(json.dumps(out))
`;
    const result = spawnSync("python3", ["-c", program, join(dir, "in")], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (result.status !== 0) throw new Error(`python3: ${result.stderr}`);
    return JSON.parse(result.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The programs that read the files on a real machine, each run over a batch of rendered
// outputs (one per case) at once: a file its program refuses, or reads with a warning, is a
// problem naming the file. Where a program also says what it read, the interfaces' addresses
// and routes are reported, for comparing with what the config meant.

export interface Verdict {
  problems: string[];
  /** What the program read, per interface name: sorted static addresses (address/prefix) and
   * routes ("destination via gateway", "default" for 0.0.0.0/0 and ::/0). */
  read?: Record<string, { addresses: string[]; routes: string[] }>;
}

/** A route as Verdict.read writes it. */
export const routeText = (to: string | undefined, via: string | undefined): string => `${!to || to === "0.0.0.0/0" || to === "::/0" ? "default" : to}${via ? ` via ${via}` : ""}`;

/** Adds what was read of one interface (nothing when it has no address and no route). */
function readInto(read: Record<string, { addresses: string[]; routes: string[] }>, iface: string | undefined, addresses: string[], routes: string[]): void {
  if (!iface || (!addresses.length && !routes.length)) return;
  const own = (read[iface] ??= { addresses: [], routes: [] });
  own.addresses = [...own.addresses, ...addresses].sort();
  own.routes = [...new Set([...own.routes, ...routes])].sort();
}

const NETWORKD = "/lib/systemd/systemd-networkd";
const NETPLAN_GENERATE = "/usr/lib/netplan/generate";
const NETWORK_MANAGER = "/usr/sbin/NetworkManager";
// running networkd and NetworkManager needs root (namespaces of their own, tmpfs over /run;
// a PID namespace, so nothing they start outlives the check)
const isRoot = process.getuid?.() === 0;
// (the directories are where their private copies are mounted)
export const haveNetworkd = isRoot && [NETWORKD, "/etc/systemd/network"].every(existsSync);
export const haveNetplan = existsSync(NETPLAN_GENERATE);
export const haveNetworkManager = isRoot && [NETWORK_MANAGER, "/usr/bin/nmcli", "/usr/bin/dbus-daemon", "/var/lib/NetworkManager"].every(existsSync);

/** Each set of files written under its own scratch root (mode 0755: networkd reads them as
 * its own user); runs `script` with $ROOT set, then reads the results. */
function inScratch<T>(prefix: string, sets: RenderedFile[][], script: string, read: (root: string, i: number) => T): T[] {
  const root = mkdtempSync(join(tmpdir(), prefix));
  try {
    chmodSync(root, 0o755);
    sets.forEach((files, i) => {
      mkdirSync(join(root, String(i)), { mode: 0o755 });
      for (const file of files) {
        mkdirSync(join(root, String(i), dirname(file.path)), { recursive: true, mode: 0o755 });
        writeFileSync(join(root, String(i), file.path), file.content, { mode: file.mode });
      }
    });
    const run = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ROOT: root }, timeout: 120_000 });
    if (run.status !== 0) throw new Error(`${prefix}: ${run.stderr || run.error?.message}`);
    return sets.map((_, i) => read(root, i));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const readIfExists = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** systemd-networkd loading each set's .network/.netdev files: one networkd per set, in a
 * network and mount namespace of its own, stopped once it has enumerated links (files are
 * read before). It names the file and line of every key it ignores or cannot parse. */
export function networkdVerdicts(sets: RenderedFile[][]): Verdict[] {
  const script = `exec unshare --net --mount --pid --mount-proc --fork sh -ec '
    mount -t tmpfs tmpfs /run; mkdir -p /run/systemd
    for d in "$ROOT"/*/; do
      mkdir -p "$d/etc/systemd/network"
      mount --bind "$d/etc/systemd/network" /etc/systemd/network
      SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console ${NETWORKD} > "$d/networkd.log" 2>&1 &
      pid=$!
      for i in $(seq 500); do grep -q "^Enumeration completed" "$d/networkd.log" && break; sleep 0.02; done
      kill $pid; wait $pid || true
      umount /etc/systemd/network
    done'`;
  return inScratch("networkd-", sets, script, (root, i) => {
    const log = readIfExists(join(root, String(i), "networkd.log"));
    const problems = log.split("\n").filter((l) => l.includes("/etc/systemd/network/"));
    if (!log.includes("Enumeration completed")) problems.push(`networkd did not start: ${log.trim().split("\n").pop()}`);
    return { problems };
  });
}

/** netplan's own generator (0.106, C) over each set's YAML: it must exit 0 without a
 * warning; what it read comes from the networkd files it generates. */
export function netplanVerdicts(sets: RenderedFile[][]): Verdict[] {
  const script = `for d in "$ROOT"/*/; do ${NETPLAN_GENERATE} --root-dir "$d" > "$d/generate.log" 2>&1; echo $? > "$d/generate.rc"; done`;
  return inScratch("netplan-", sets, script, (root, i) => {
    const dir = join(root, String(i));
    const log = readIfExists(join(dir, "generate.log")).trim();
    const rc = readIfExists(join(dir, "generate.rc")).trim();
    const problems = [...(rc === "0" ? [] : [`netplan generate exited ${rc}`]), ...(log ? log.split("\n") : [])];
    const generated = join(dir, "run/systemd/network");
    const read: NonNullable<Verdict["read"]> = {};
    for (const name of existsSync(generated) ? readdirSync(generated).filter((f) => f.endsWith(".network")) : []) {
      const text = readFileSync(join(generated, name), "utf8");
      // matched by MAC, the file has no Name=: its netplan id (our interface name) is in the file name
      const iface = /^Name=(.*)$/m.exec(text)?.[1] ?? /^10-netplan-(.+)\.network$/.exec(name)?.[1];
      const gateways = [...text.matchAll(/^\[Network\][^[]*/gm)].flatMap((m) => [...m[0].matchAll(/^Gateway=(.*)$/gm)].map((g) => routeText(undefined, g[1])));
      const routes = [...text.matchAll(/^\[Route\][^[]*/gm)].map((m) => routeText(/^Destination=(.*)$/m.exec(m[0])?.[1], /^Gateway=(.*)$/m.exec(m[0])?.[1]));
      readInto(read, iface, [...text.matchAll(/^Address=(.*)$/gm)].map((m) => m[1]), [...gateways, ...routes]);
    }
    return { problems, read };
  });
}

// keyfile sections by the setting names nmcli shows
const NM_SETTING = { ethernet: "802-3-ethernet", wifi: "802-11-wireless" } as Record<string, string>;

/** NetworkManager 1.42 loading each set's keyfiles (plugins=keyfile only, no automatic
 * profiles), one NetworkManager per set on a private D-Bus, in namespaces of its own: every
 * file must become a profile, NM must log nothing about it, and every key written must be a
 * property NM has (it drops unknown keys silently). */
export function networkManagerVerdicts(sets: RenderedFile[][]): Verdict[] {
  // the host's resolv.conf and host name are never NM's to write (dns=none, rc-manager, --uts)
  const script = `exec unshare --net --mount --uts --pid --mount-proc --fork sh -ec '
    mount -t tmpfs tmpfs /run; mkdir -p /run/NetworkManager /run/nm-state
    mount --bind /run/nm-state /var/lib/NetworkManager
    mkdir "$ROOT/empty"
    printf "%s\\n" "<busconfig><type>system</type><listen>unix:path=/run/nm-bus</listen><auth>EXTERNAL</auth><policy context=\\"default\\"><allow user=\\"*\\"/><allow own=\\"*\\"/><allow send_destination=\\"*\\"/><allow receive_sender=\\"*\\"/></policy></busconfig>" > "$ROOT/bus.conf"
    dbus-daemon --config-file="$ROOT/bus.conf" --nofork --nopidfile & bus=$!
    trap "kill $bus; wait" EXIT
    for i in $(seq 500); do [ -S /run/nm-bus ] && break; sleep 0.01; done
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/nm-bus
    for d in "$ROOT"/*/; do
      [ "$d" = "$ROOT/empty/" ] && continue
      mkdir -p "$d/etc/NetworkManager/system-connections"
      printf "[main]\\nplugins=keyfile\\nno-auto-default=*\\ndns=none\\nrc-manager=unmanaged\\nhostname-mode=none\\n[keyfile]\\npath=%s\\n" "$d/etc/NetworkManager/system-connections" > "$d/nm.conf"
      ${NETWORK_MANAGER} --debug --config="$d/nm.conf" --config-dir="$ROOT/empty" --system-config-dir="$ROOT/empty" --intern-config="$d/intern.conf" --state-file="$d/state" > "$d/nm.log" 2>&1 &
      pid=$!
      for i in $(seq 500); do nmcli -t general status > /dev/null 2>&1 && { echo yes > "$d/answered"; break; }; sleep 0.02; done
      nmcli -t -f UUID,FILENAME connection show > "$d/profiles"
      for uuid in $(cut -d: -f1 "$d/profiles"); do nmcli -t connection show "$uuid" > "$d/$uuid.props"; done
      kill $pid; wait $pid || true
    done'`;
  return inScratch("nm-", sets, script, (root, i) => {
    const dir = join(root, String(i));
    const keyfiles = sets[i].filter((f) => f.path.endsWith(".nmconnection"));
    const loaded = new Map(readIfExists(join(dir, "profiles")).trim().split("\n").filter(Boolean).map((line) => [line.slice(line.indexOf(":") + 1), line.slice(0, line.indexOf(":"))]));
    const log = readIfExists(join(dir, "nm.log"));
    const problems = log.split("\n").filter((l) => /<(warn|error)>/.test(l) && l.includes(dir));
    if (!existsSync(join(dir, "answered"))) problems.push(`NetworkManager did not answer within 10 s: ${log.trim().split("\n").pop()}`);
    const read: NonNullable<Verdict["read"]> = {};
    for (const file of keyfiles) {
      const uuid = loaded.get(join(dir, file.path));
      if (!uuid) {
        problems.push(`${file.path}: not loaded`);
        continue;
      }
      const props = new Map(readIfExists(join(dir, `${uuid}.props`)).split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)] as const));
      for (const key of unknownKeys(file.content, props)) problems.push(`${file.path}: NM has no property for ${key}`);
      const list = (p: string) => (props.get(p) ? props.get(p)!.split(/,\s*/) : []);
      const gateways = ["ipv4.gateway", "ipv6.gateway"].flatMap((p) => (props.get(p) ? [routeText(undefined, props.get(p))] : []));
      // nmcli -t shows routes as "10.0.0.0/8 10.0.0.1 50, ::/0 2001:db8::1 onlink=true": destination, then a next hop if any
      const routes = ["ipv4.routes", "ipv6.routes"].flatMap(list).map((r) => r.split(" ")).map(([to, next]) => routeText(to, next && /^[0-9a-f.:]+$/i.test(next) && /[.:]/.test(next) ? next : undefined));
      // matched by MAC, the profile has no interface-name: ours is in the file name
      const iface = props.get("connection.interface-name") || /cloud-init-(.+)\.nmconnection$/.exec(file.path)?.[1];
      readInto(read, iface, [...list("ipv4.addresses"), ...list("ipv6.addresses")], [...gateways, ...routes]);
    }
    return { problems, read };
  });
}

/** The [section] key pairs of a keyfile that name no property of the loaded profile. */
function unknownKeys(text: string, props: Map<string, string>): string[] {
  let section = "";
  const unknown: string[] = [];
  for (const line of logicalLines(text, false)) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) {
      section = NM_SETTING[header[1]] ?? header[1];
      continue;
    }
    const key = line.slice(0, line.indexOf("=")).trim();
    // numbered keyfile keys fold into list properties; a bond's keys are its options
    const property = /^address\d+$/.test(key) ? "addresses" : /^route\d+(_options)?$/.test(key) ? "routes" : /^routing-rule\d+$/.test(key) ? "routing-rules" : key;
    // [user] is user data, free-form keys nmcli does not show
    if (section === "user") continue;
    const known = section === "bond" && !props.has(`bond.${key}`) ? (props.get("bond.options") ?? "").split(",").some((o) => o.trim().startsWith(`${key}=`)) : props.has(`${section}.${property}`);
    if (!known) unknown.push(`[${section}] ${key}`);
  }
  return unknown;
}

/** "255.255.255.0" or "24" as a prefix length. */
function prefixOfMask(mask: string): number {
  if (!mask.includes(".")) return Number(mask);
  return mask.split(".").reduce((bits, octet) => bits + Number(octet).toString(2).replace(/0/g, "").length, 0);
}

/** ifupdown's ifquery over each set's interfaces file: every interface must parse without a
 * message; what it read is its "address", "netmask" and "gateway" options and the routes
 * its post-up commands add. */
export function ifqueryVerdicts(texts: string[]): Verdict[] {
  if (!IFQUERY) throw new Error("no ifquery");
  const dir = mkdtempSync(join(tmpdir(), "eni-"));
  try {
    texts.forEach((text, i) => writeFileSync(join(dir, String(i)), text));
    const script = `for f in $(seq 0 ${texts.length - 1}); do echo "@@"; if list=$("$Q" -i "$f" --list 2>&1); then for i in $list; do echo "@ $i"; "$Q" -i "$f" "$i" 2>&1 || echo "FAILED"; done; else echo "! $list"; fi; done`;
    const out = spawnSync("sh", ["-c", script], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, Q: IFQUERY }, maxBuffer: 64 << 20 }).stdout;
    return out.split("@@\n").slice(1).map((block) => {
      const [head, ...stanzas] = block.split("@ ");
      const problems = head.startsWith("! ") ? [head.slice(2).trim()] : [];
      const read: NonNullable<Verdict["read"]> = {};
      for (const stanza of stanzas) {
        const [iface, ...lines] = stanza.trim().split("\n");
        const own: string[] = [];
        const routes: string[] = [];
        for (const line of lines) {
          const [key, value] = [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()];
          if (line === "FAILED" || !/^[a-z0-9_-]+$/.test(key)) problems.push(`${iface}: ${line}`);
          else if (key === "address") own.push(value);
          // a netmask belongs to the address before it
          else if (key === "netmask" && own.length && !own[own.length - 1].includes("/")) own[own.length - 1] += `/${prefixOfMask(value)}`;
          else if (key === "gateway") routes.push(routeText(undefined, value));
          else if (key === "up" || key === "post-up") {
            // a route ifupdown runs (post-up is its "up"): "ip [-4|-6] route add DEST [via GW] ..."
            const route = /^ip (?:-[46] )?route (?:add|replace) (\S+)(?: via (\S+))?/.exec(value);
            if (route) routes.push(routeText(route[1], route[2]));
          }
        }
        readInto(read, iface, own, routes);
      }
      return { problems, read };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
