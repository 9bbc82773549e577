// Writes to stdout/stderr with plain write(2): cheaper at start-up than process.stdout,
// which builds a stream (and under systemd, a socket) on first use.
import * as fs from "node:fs";

function writeAll(fd: number, text: string | Uint8Array): void {
  let buffer = typeof text === "string" ? Buffer.from(text) : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  while (buffer.length) {
    try {
      buffer = buffer.subarray(fs.writeSync(fd, buffer));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EAGAIN") return; // a closed pipe or journal is not worth failing a stage for
    }
  }
}

export const writeStdout = (text: string | Uint8Array): void => writeAll(1, text);
export const writeStderr = (text: string | Uint8Array): void => writeAll(2, text);
