// A private cloud's package infrastructure on loopback, made with Debian's own tools: a signed
// mirror in Debian's layout and a signed flat repository (dpkg-deb, apt-ftparchive, gpg), an
// HKP keyserver serving their keys, and an HTTP proxy that forwards apt's requests and records
// them, so a test can tell a package came from the mirror through the proxy.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";

export interface Key {
  armored: string;
  fingerprint: string;
}

export class AptWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "apt-world-"));
  private readonly home = join(this.dir, "gnupg");
  /** Every request the proxy forwarded (absolute URLs), and every key the keyserver was asked for. */
  readonly proxied: string[] = [];
  readonly keyLookups: string[] = [];
  private readonly servers: Server[] = [];
  /** What the keyserver answers for a key id search (upper-case hex, no 0x). */
  readonly keyserverKeys = new Map<string, string>();
  archivePort = 0;
  proxyPort = 0;
  keyserverPort = 0;

  /**
   * `guestHost` is how the guest names this machine (QEMU's slirp: 10.0.2.2); the URLs handed
   * out use it, and the proxy, running here, forwards requests for it to loopback.
   */
  constructor(readonly guestHost = "127.0.0.1") {
    mkdirSync(this.home, { mode: 0o700 });
  }

  private gpg(args: string[], input?: string): string {
    return execFileSync("gpg", ["--homedir", this.home, "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  }

  makeKey(name: string): Key {
    this.gpg(["--quick-gen-key", `${name} <${name}@example.org>`, "ed25519", "sign", "never"]);
    const fingerprint = this.gpg(["--with-colons", "--list-keys", `${name}@example.org`]).split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9] ?? "";
    return { armored: this.gpg(["--armor", "--export", `${name}@example.org`]), fingerprint };
  }

  private sign(key: Key, release: string): void {
    this.gpg(["--local-user", key.fingerprint, "--clearsign", "--output", join(release, "../InRelease"), release]);
  }

  private deb(pkg: string, into: string): void {
    const build = mkdtempSync(join(this.dir, "pkg-"));
    mkdirSync(join(build, "DEBIAN"));
    mkdirSync(join(build, "usr/share", pkg), { recursive: true });
    writeFileSync(join(build, "usr/share", pkg, "installed"), `${pkg}\n`);
    writeFileSync(join(build, "DEBIAN/control"), `Package: ${pkg}\nVersion: 1.0\nArchitecture: all\nMaintainer: test <t@example.com>\nDescription: ${pkg}\n`);
    mkdirSync(into, { recursive: true });
    execFileSync("dpkg-deb", ["--build", build, join(into, `${pkg}_1.0_all.deb`)], { stdio: "ignore" });
    rmSync(build, { recursive: true });
  }

  /** A mirror in Debian's layout (dists/<suite>/main, binary-amd64 and source) at <dir>/<name>. */
  mirror(name: string, suites: string[], pkg: string, key: Key): void {
    const root = join(this.dir, "www", name);
    this.deb(pkg, join(root, "pool/main"));
    for (const suite of suites) {
      const dist = join(root, "dists", suite);
      mkdirSync(join(dist, "main/binary-amd64"), { recursive: true });
      mkdirSync(join(dist, "main/source"), { recursive: true });
      const packages = execFileSync("apt-ftparchive", ["packages", "pool/main"], { cwd: root, encoding: "utf8" });
      writeFileSync(join(dist, "main/binary-amd64/Packages"), packages);
      writeFileSync(join(dist, "main/source/Sources"), "");
      const release = execFileSync("apt-ftparchive", ["-o", `APT::FTPArchive::Release::Suite=${suite}`, "-o", `APT::FTPArchive::Release::Codename=${suite}`, "-o", "APT::FTPArchive::Release::Architectures=amd64", "-o", "APT::FTPArchive::Release::Components=main", "release", "."], { cwd: dist, encoding: "utf8" });
      writeFileSync(join(dist, "Release"), release);
      this.sign(key, join(dist, "Release"));
    }
  }

  /** A flat repository ("deb uri ./") at <dir>/<name>. */
  flat(name: string, pkg: string, key: Key): void {
    const root = join(this.dir, "www", name);
    this.deb(pkg, root);
    writeFileSync(join(root, "Packages"), execFileSync("apt-ftparchive", ["packages", "."], { cwd: root, encoding: "utf8" }));
    writeFileSync(join(root, "Release"), execFileSync("apt-ftparchive", ["release", "."], { cwd: root, encoding: "utf8" }));
    this.sign(key, join(root, "Release"));
  }

  private async listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
    const server = createServer(handler);
    this.servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    const www = join(this.dir, "www");
    this.archivePort = await this.listen((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      try {
        res.end(readFileSync(join(www, path)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    // a forward proxy: apt sends it absolute URLs
    this.proxyPort = await this.listen((req, res) => {
      this.proxied.push(req.url ?? "");
      const target = new URL(req.url ?? "", "http://invalid");
      if (target.hostname === this.guestHost) target.hostname = "127.0.0.1";
      const upstream = request(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on("error", () => {
        res.statusCode = 502;
        res.end();
      });
      req.pipe(upstream);
    });
    this.keyserverPort = await this.listen((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const id = (url.searchParams.get("search") ?? "").replace(/^0x/i, "").toUpperCase();
      this.keyLookups.push(`${url.pathname} ${url.searchParams.get("op")} ${id}`);
      const key = this.keyserverKeys.get(id);
      res.statusCode = key ? 200 : 404;
      res.end(key ?? "");
    });
  }

  url(name: string): string {
    return `http://${this.guestHost}:${this.archivePort}/${name}`;
  }

  /** The proxy and keyserver as the guest reaches them. */
  get proxyUrl(): string {
    return `http://${this.guestHost}:${this.proxyPort}`;
  }

  get keyserverUrl(): string {
    return `hkp://${this.guestHost}:${this.keyserverPort}`;
  }

  stop(): void {
    for (const s of this.servers) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
