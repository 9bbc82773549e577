// An EC2 instance metadata service stand-in on loopback: a real HTTP server serving a
// meta-data tree, with the faults a test can ask for (tokens required or absent, latency,
// hanging, 500s, bodies cut short, lies). It records what it was asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const TOKEN = "AQAEAImdsTokenValue-never-in-logs==";
// QEMU's default NIC address, so a guest finds its NIC in this tree
export const MAC = "52:54:00:12:34:56";

export interface ImdsOptions {
  /** "required": 401 without a token (AWS); "absent": the PUT gets 404 (EC2-compatible clouds). */
  token?: "required" | "optional" | "absent";
  latencyMs?: number;
  /** endless-user-data: a body that never ends; bottomless-meta-data: every directory lists another. */
  fault?: "hang" | "500" | "truncate" | "lie-identity" | "no-user-data" | "endless-user-data" | "bottomless-meta-data";
  userData?: string;
  /** 0 (any free port) unless a guest must find it at a fixed one (slirp maps port 80). */
  port?: number;
  /** 127.0.0.1 unless it serves another network namespace. */
  address?: string;
}

export interface Imds {
  url: string;
  requests: { method: string; path: string; token?: string }[];
  maxInFlight: number;
  close(): Promise<void>;
}

export const IDENTITY = { instanceId: "i-0123456789abcdef0", region: "eu-west-1", availabilityZone: "eu-west-1b", accountId: "123456789012" };

const TREE: Record<string, string> = {
  "meta-data/": "ami-id\nblock-device-mapping/\nhostname\niam/\ninstance-id\ninstance-type\nlocal-hostname\nnetwork/\nplacement/\npublic-keys/",
  "meta-data/ami-id": "ami-0abc",
  "meta-data/block-device-mapping/": "ami\nroot",
  "meta-data/block-device-mapping/ami": "/dev/xvda",
  "meta-data/block-device-mapping/root": "/dev/xvda",
  "meta-data/hostname": "ip-10-0-0-5.eu-west-1.compute.internal",
  "meta-data/iam/": "info\nsecurity-credentials/",
  "meta-data/iam/info": '{"Code": "Success", "InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/x"}',
  "meta-data/iam/security-credentials/": "role",
  "meta-data/iam/security-credentials/role": '{"SecretAccessKey": "do-not-fetch"}',
  "meta-data/instance-id": "i-0123456789abcdef0",
  "meta-data/instance-type": "t3.micro",
  "meta-data/local-hostname": "ip-10-0-0-5.eu-west-1.compute.internal",
  "meta-data/network/": "interfaces/",
  "meta-data/network/interfaces/": "macs/",
  "meta-data/network/interfaces/macs/": `${MAC}/`,
  [`meta-data/network/interfaces/macs/${MAC}/`]: "device-number\nlocal-ipv4s",
  [`meta-data/network/interfaces/macs/${MAC}/device-number`]: "0",
  [`meta-data/network/interfaces/macs/${MAC}/local-ipv4s`]: "10.0.0.5\n10.0.0.6",
  "meta-data/placement/": "availability-zone",
  "meta-data/placement/availability-zone": "eu-west-1b",
  "meta-data/public-keys/": "0=my-key",
  "meta-data/public-keys/0/openssh-key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample my-key",
  "dynamic/instance-identity/document": JSON.stringify(IDENTITY),
};

export async function startImds(options: ImdsOptions = {}): Promise<Imds> {
  const requests: Imds["requests"] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const token = req.headers["x-aws-ec2-metadata-token"] as string | undefined;
    requests.push({ method: req.method ?? "", path: req.url ?? "", token });
    if (options.fault === "hang") return; // never answers
    setTimeout(() => answer(req, res, options, token), options.latencyMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, options.address ?? "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, options: ImdsOptions, token: string | undefined): void {
  const mode = options.token ?? "required";
  if (req.method === "PUT" && req.url === "/latest/api/token") {
    if (mode === "absent") return send(res, 404, "Not Found");
    if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return send(res, 400, "missing ttl");
    return send(res, 200, TOKEN);
  }
  if (options.fault === "500") return send(res, 500, "Internal Server Error");
  if (mode === "required" && token !== TOKEN) return send(res, 401, "Unauthorized");
  const m = /^\/(2021-03-23|2018-09-24|2016-09-02|2009-04-04|latest)\/(.*)$/.exec(req.url ?? "");
  if (!m) return send(res, 404, "Not Found");
  const path = m[2];
  if (path === "user-data" && options.fault === "endless-user-data") return endless(res);
  if (path.startsWith("meta-data/network/") && path.endsWith("/") && options.fault === "bottomless-meta-data") return send(res, 200, "deeper/");
  if (path === "user-data") {
    if (options.fault === "no-user-data" || options.userData === undefined) return send(res, 404, "Not Found");
    return send(res, 200, options.userData);
  }
  if (path === "dynamic/instance-identity/document" && options.fault === "lie-identity") return send(res, 200, "<html>captive portal</html>");
  const body = TREE[path];
  if (body === undefined) return send(res, 404, "Not Found");
  if (options.fault === "truncate" && path === "meta-data/instance-type") {
    res.writeHead(200, { "Content-Length": String(body.length + 100) });
    res.write(body);
    res.destroy();
    return;
  }
  send(res, 200, body);
}

/** Writes 64 KiB chunks for as long as the client reads them (any server's endless body). */
export function endless(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, "#");
  res.writeHead(200, { "Content-Type": "text/plain" });
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", more);
  };
  more();
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}
