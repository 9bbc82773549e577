// The in-process host key check (src/ssh/openssh-key.ts) on keys made by the real ssh-keygen,
// and on what a power cut or a bad copy makes of them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkOpenSshKey } from "../../src/ssh/openssh-key";

const dir = mkdtempSync(join(tmpdir(), "openssh-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, ...args: string[]): { priv: string; pub: string } {
  execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "root@test", "-f", join(dir, name), ...args]);
  return { priv: readFileSync(join(dir, name), "utf8"), pub: readFileSync(join(dir, `${name}.pub`), "utf8") };
}

const KEYS = {
  rsa: keygen("rsa", "-t", "rsa", "-b", "2048"),
  ed25519: keygen("ed25519", "-t", "ed25519"),
  ecdsa256: keygen("ecdsa256", "-t", "ecdsa", "-b", "256"),
  ecdsa384: keygen("ecdsa384", "-t", "ecdsa", "-b", "384"),
  ecdsa521: keygen("ecdsa521", "-t", "ecdsa", "-b", "521"),
};

/** The key with its decoded body changed by `edit`, armoured again. */
function reencode(priv: string, edit: (body: Buffer) => Buffer): string {
  const lines = priv.trim().split("\n");
  const body = edit(Buffer.from(lines.slice(1, -1).join(""), "base64"));
  const b64 = body.toString("base64").match(/.{1,70}/g) ?? [];
  return [lines[0], ...b64, lines.at(-1)].join("\n") + "\n";
}

describe("checkOpenSshKey", () => {
  it.each(Object.entries(KEYS))("a whole %s key and its .pub are fine", (_, { priv, pub }) => {
    expect(checkOpenSshKey(priv, pub)).toEqual({ ok: true });
  });

  it("a .pub of another key does not match; nor does a cut or foreign .pub", () => {
    expect(checkOpenSshKey(KEYS.rsa.priv, KEYS.ed25519.pub)).toEqual({ ok: false, file: "public", problem: "is not a key of its type" });
    expect(checkOpenSshKey(KEYS.ecdsa256.priv, KEYS.ecdsa256.pub.slice(0, 60))).toEqual({ ok: false, file: "public", problem: "does not match it" });
    const other = keygen("rsa2", "-t", "rsa", "-b", "2048");
    expect(checkOpenSshKey(KEYS.rsa.priv, other.pub)).toEqual({ ok: false, file: "public", problem: "does not match it" });
  });

  it("an empty, zero-filled or text file is no key", () => {
    expect(checkOpenSshKey("", KEYS.rsa.pub)).toMatchObject({ ok: false, file: "private", problem: "is not a private key" });
    expect(checkOpenSshKey("\0".repeat(KEYS.rsa.priv.length), KEYS.rsa.pub)).toMatchObject({ ok: false, file: "private" });
    expect(checkOpenSshKey("hello\n", KEYS.rsa.pub)).toMatchObject({ ok: false, file: "private" });
  });

  it("PEM and passphrase-protected keys are left to ssh-keygen", () => {
    expect(checkOpenSshKey(keygen("pem", "-t", "rsa", "-b", "2048", "-m", "PEM").priv, KEYS.rsa.pub)).toEqual({ ok: "unknown" });
    execFileSync("ssh-keygen", ["-q", "-N", "secret", "-t", "ed25519", "-f", join(dir, "enc")]);
    expect(checkOpenSshKey(readFileSync(join(dir, "enc"), "utf8"), readFileSync(join(dir, "enc.pub"), "utf8"))).toEqual({ ok: "unknown" });
  });

  it("a key cut anywhere before its end line is never fine", () => {
    for (const { priv, pub } of Object.values(KEYS)) {
      const end = priv.indexOf("-----END");
      fc.assert(
        fc.property(fc.integer({ min: 0, max: end - 1 }), (cut) => {
          expect(checkOpenSshKey(priv.slice(0, cut), pub).ok).not.toBe(true);
          // a cut body that is still whole base64, armoured again (what a lost tail of blocks leaves)
          expect(checkOpenSshKey(reencode(priv, (b) => b.subarray(0, Math.floor((cut / end) * b.length))), pub).ok).not.toBe(true);
        }),
        { numRuns: 60 },
      );
    }
  });

  it("a changed byte in the structure (lengths, check integers, public parts, padding) is found", () => {
    for (const { priv, pub } of Object.values(KEYS)) {
      const body = Buffer.from(priv.trim().split("\n").slice(1, -1).join(""), "base64");
      // the header and the public blob: every byte up to the private section's first field matters
      const structural = body.indexOf(Buffer.from(pub.split(" ")[1], "base64")) + Buffer.from(pub.split(" ")[1], "base64").length + 12;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: structural - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
          const changed = reencode(priv, (b) => {
            const copy = Buffer.from(b);
            copy[at] ^= xor;
            return copy;
          });
          expect(checkOpenSshKey(changed, pub).ok).not.toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });

  it("a changed padding byte is found", () => {
    // the private section is padded with 1, 2, 3... to whole blocks of 8, when it is not whole
    // already: an ed25519 key's section is always 4 bytes short, an RSA key's may need none
    const padded: string[] = [];
    for (const [name, { priv, pub }] of Object.entries(KEYS)) {
      const body = Buffer.from(priv.trim().split("\n").slice(1, -1).join(""), "base64");
      const last = body[body.length - 1];
      if (last < 1 || last > 7 || !body.subarray(-last).every((b, i) => b === i + 1)) continue;
      padded.push(name);
      expect(checkOpenSshKey(reencode(priv, (b) => Buffer.concat([b.subarray(0, -1), Buffer.from([0x42])])), pub).ok).not.toBe(true);
    }
    expect(padded).toContain("ed25519");
  });

  it("agrees with ssh-keygen -y on whole and broken keys", () => {
    const cases: [string, string, string][] = [];
    for (const [name, { priv, pub }] of Object.entries(KEYS)) {
      cases.push([`${name} whole`, priv, pub], [`${name} half`, priv.slice(0, priv.length >> 1), pub], [`${name} no end`, priv.slice(0, priv.indexOf("-----END")), pub]);
    }
    for (const [what, priv, pub] of cases) {
      const file = join(dir, "probe");
      execFileSync("sh", ["-c", 'umask 077; cat > "$1"', "-", file], { input: priv });
      let keygenSays: boolean;
      try {
        const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        keygenSays = derived.trim().split(" ").slice(0, 2).join(" ") === pub.trim().split(" ").slice(0, 2).join(" ");
      } catch {
        keygenSays = false;
      }
      expect([what, checkOpenSshKey(priv, pub).ok === true]).toEqual([what, keygenSays]);
    }
  });
});
