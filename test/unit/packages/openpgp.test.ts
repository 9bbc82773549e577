// The in-process key reading held against GnuPG itself: gpg makes the keys, dearmors them and
// lists their fingerprints; ours must agree byte for byte.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dearmor, fingerprints, KeyError, keysNamed, normaliseKeyId } from "../../../src/packages/apt/openpgp";

let home: string;
const gpg = (args: string[], input?: string | Buffer) => execFileSync("gpg", ["--homedir", home, "--batch", "--quiet", ...args], { input, stdio: ["pipe", "pipe", "ignore"] });

/** The key as gpg exports and lists it. */
function listed(name: string): { armored: string; fingerprint: string; subkeys: string[] } {
  const colons = gpg(["--with-colons", "--list-keys", `${name}@example.org`]).toString();
  const fprs = colons.split("\n").filter((l) => l.startsWith("fpr:")).map((l) => l.split(":")[9]);
  return { armored: gpg(["--armor", "--export", `${name}@example.org`]).toString(), fingerprint: fprs[0], subkeys: fprs.slice(1) };
}

function makeKey(name: string, algo: string) {
  gpg(["--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", `${name} <${name}@example.org>`, algo, "sign,cert", "never"]);
  return listed(name);
}

describe("OpenPGP keys read in-process", () => {
  let ed: ReturnType<typeof makeKey>;
  let rsa: ReturnType<typeof makeKey>;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "gpg-"));
    ed = makeKey("ed", "ed25519");
    gpg(["--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-key", ed.fingerprint, "cv25519", "encr", "never"]);
    ed = listed("ed");
    rsa = makeKey("rsa", "rsa2048");
  }, 60_000);
  afterAll(() => {
    // the gpg-agent gpg started would remove its sockets after the directory is gone, leaving it behind
    execFileSync("gpgconf", ["--homedir", home, "--kill", "all"], { stdio: "ignore" });
    rmSync(home, { recursive: true, force: true });
  });

  it("dearmors exactly as gpg --dearmor does", () => {
    for (const key of [ed, rsa]) expect(dearmor(key.armored).equals(gpg(["--dearmor"], key.armored))).toBe(true);
  });

  it("finds the primary and subkey fingerprints gpg lists", () => {
    expect(fingerprints(dearmor(ed.armored))).toEqual([ed.fingerprint, ...ed.subkeys]);
    expect(ed.subkeys).toHaveLength(1);
    expect(fingerprints(dearmor(rsa.armored))).toEqual([rsa.fingerprint]);
  });

  it("keeps only the key an id names from a keyring of several, as gpg --recv-keys imports only it", () => {
    const both = Buffer.concat([dearmor(ed.armored), dearmor(rsa.armored)]);
    for (const id of [rsa.fingerprint, rsa.fingerprint.slice(-16), rsa.fingerprint.slice(-8)]) {
      expect(keysNamed(both, id)?.equals(dearmor(rsa.armored))).toBe(true);
    }
    // a subkey's id names its whole key
    expect(keysNamed(both, ed.subkeys[0].slice(-16))?.equals(dearmor(ed.armored))).toBe(true);
    expect(keysNamed(both, "0123456789ABCDEF")).toBeUndefined();
  });

  it("refuses a secret key, a damaged checksum, no key block, text that is not base64", () => {
    const secret = gpg(["--pinentry-mode", "loopback", "--passphrase", "", "--armor", "--export-secret-keys", "ed@example.org"]).toString();
    expect(() => dearmor(secret)).toThrow(/secret key/);
    // the same secret packets under a public header are still refused by their packet tag
    expect(() => dearmor(secret.replace(/PRIVATE KEY BLOCK/g, "PUBLIC KEY BLOCK"))).toThrow(/secret key/);
    const lines = ed.armored.split("\n");
    const i = lines.findIndex((l) => /^[A-Za-z0-9+/]{20,}/.test(l));
    const flipped = [...lines];
    flipped[i] = (flipped[i][0] === "A" ? "B" : "A") + flipped[i].slice(1);
    expect(() => dearmor(flipped.join("\n"))).toThrow(KeyError);
    expect(() => dearmor("just some text")).toThrow(/BEGIN PGP PUBLIC KEY BLOCK/);
    expect(() => dearmor(ed.armored.replace(/\n([A-Za-z0-9+/]{10})/, "\n$1!"))).toThrow(/not base64/);
    expect(() => dearmor(ed.armored.replace(/-----END[^\n]*/, ""))).toThrow(/END line/);
  });

  it("never throws anything but KeyError on arbitrary bytes in an armor block", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString("base64").replace(/(.{64})/g, "$1\n");
        const text = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${b64}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
        try {
          dearmor(text);
        } catch (err) {
          expect(err).toBeInstanceOf(KeyError);
        }
      }),
    );
  });

  it("reads key ids as users write them", () => {
    expect(normaliseKeyId("B59D 5F15 97A5 04B7 E230  6DCA 0620 BBCF 0368 3F77")).toBe("B59D5F1597A504B7E2306DCA0620BBCF03683F77");
    expect(normaliseKeyId("0x0368 3f77")).toBe("03683F77");
    expect(normaliseKeyId("0368 3F7")).toBeUndefined();
    expect(normaliseKeyId("x; rm -rf /")).toBeUndefined();
  });
});
