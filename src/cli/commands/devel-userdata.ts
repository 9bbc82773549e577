// `devel render FILE [-i INSTANCE_DATA]` (a `## template: jinja` user-data rendered as the
// boot would render it) and `devel make-mime -a FILE:TYPE ... [-l] [-f]` (MIME multipart
// user-data, as Python's email package writes it): cloud-init's user-data tools.
import { randomInt } from "node:crypto";
import { INSTANCE_DATA, INSTANCE_DATA_SENSITIVE, readInstanceDataFile } from "../../state/instance-data";
import { JINJA_HEADER, renderJinja } from "../../userdata/jinja";
import { userDataTypes } from "../../userdata/process";
import { argumentPath, type Command } from "../command";

export const render: Command = {
  spec: {
    name: "devel render",
    summary: "Render a jinja template user-data file with this instance's data.",
    options: [{ name: "instance-data", short: "i", value: true, help: `the instance data (default: ${INSTANCE_DATA_SENSITIVE} for root, else ${INSTANCE_DATA})` }],
    positionals: [{ name: "user_data", optional: false, help: "the user-data file to render" }],
  },
  async run(args, io) {
    const file = args.positionals[0];
    const template = io.host.readTextIfExists(argumentPath(file));
    if (template === undefined) {
      io.stderr(`Error: missing user-data file: ${file}\n`);
      return 1;
    }
    if (!JINJA_HEADER.test(template)) {
      io.stderr(`Error: ${file} is not a jinja template: its first line must be '## template: jinja'\n`);
      return 1;
    }
    const given = args.options["instance-data"] as string | undefined;
    const read = readInstanceDataFile(io.host, given === undefined ? undefined : argumentPath(given));
    if (!("data" in read)) {
      io.stderr(`Error: ${"invalid" in read ? read.invalid : `missing instance-data file: ${read.path}`}\n`);
      return 1;
    }
    const data = read.data;
    try {
      const rendered = renderJinja(template, data);
      if (rendered.missing.length) io.stderr(`WARNING: Could not render jinja template variables in file '${file}': ${rendered.missing.map((v) => `'${v}'`).join(", ")}\n`);
      io.stdout(rendered.text);
      return 0;
    } catch (err) {
      io.stderr(`Error: Unable to render user-data file ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  },
};

export const makeMime: Command = {
  spec: {
    name: "devel make-mime",
    summary: "Generate multipart MIME from given files.",
    options: [
      { name: "attach", short: "a", value: true, repeat: true, help: "FILE:TYPE: attach FILE as a part of content type TYPE (text/TYPE), e.g. user-data.yaml:cloud-config" },
      { name: "list-types", short: "l", help: "list the content types a part may have" },
      { name: "force", short: "f", help: "use a content type even if it is not one cloud-init handles" },
    ],
  },
  async run(args, io) {
    const types = userDataTypes();
    if (args.options["list-types"]) {
      io.stdout(`${types.join("\n")}\n`);
      return 0;
    }
    const attachments = (args.options.attach as string[] | undefined) ?? [];
    if (!attachments.length) {
      io.stderr("Error: nothing to attach: give -a FILE:TYPE\n");
      return 1;
    }
    const parts: { name: string; type: string; body: Buffer }[] = [];
    for (const spec of attachments) {
      const at = spec.lastIndexOf(":");
      if (at <= 0 || at === spec.length - 1) {
        io.stderr(`Error: '${spec}' is not FILE:TYPE\n`);
        return 1;
      }
      const [file, type] = [spec.slice(0, at), spec.slice(at + 1)];
      // it becomes a header line: a MIME token only (RFC 6838), whatever --force allows
      if (!/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/.test(type)) {
        io.stderr(`Error: '${type}' is not a content type name\n`);
        return 1;
      }
      if (!types.includes(type) && !args.options.force) {
        io.stderr(`Error: content type '${type}' for attachment ${file} is not supported (see --list-types; --force uses it anyway)\n`);
        return 1;
      }
      const body = io.host.readBytesIfExists(argumentPath(file));
      if (body === undefined) {
        io.stderr(`Error: ${file} does not exist\n`);
        return 1;
      }
      parts.push({ name: file.split("/").pop() ?? file, type, body });
    }
    io.stdout(multipart(parts));
    return 0;
  },
};

/** A MIME multipart message as Python's email package writes one (MIMEMultipart of MIMEText parts). */
function multipart(parts: { name: string; type: string; body: Buffer }[]): string {
  const boundary = `===============${String(randomInt(1e9)).padStart(9, "0")}${String(randomInt(1e9)).padStart(10, "0")}==`;
  const out = [`Content-Type: multipart/mixed; boundary="${boundary}"`, "MIME-Version: 1.0", ""];
  for (const part of parts) {
    const text = part.body.toString("utf8");
    // ASCII goes as it is; anything else as UTF-8 in base64, 76 columns, as MIMEText does
    const ascii = /^[\x00-\x7f]*$/.test(text);
    out.push(
      `--${boundary}`,
      `Content-Type: text/${part.type}; charset="${ascii ? "us-ascii" : "utf-8"}"`,
      "MIME-Version: 1.0",
      `Content-Transfer-Encoding: ${ascii ? "7bit" : "base64"}`,
      `Content-Disposition: attachment; filename="${part.name.replace(/["\\\r\n]/g, "_")}"`,
      "",
      ascii ? text : (part.body.toString("base64").match(/.{1,76}/g) ?? []).join("\n"),
    );
  }
  out.push(`--${boundary}--`, "");
  return out.join("\n");
}
