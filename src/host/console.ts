// The machine's console, where cloud-init shows what only the person at the screen (or the
// cloud's console log) should see: generated passwords, host key fingerprints.
import * as fs from "node:fs";
import type { Host } from "./host";

export const CONSOLE = "/dev/console";

export interface ConsoleWriter {
  write(data: string | Uint8Array): void;
  close(): void;
}

/** Opens the console for writing, or returns undefined when the machine has none. */
export function openConsole(host: Host): ConsoleWriter | undefined {
  return openCharDevice(host, CONSOLE);
}

/**
 * Opens an existing character device (the console, /dev/urandom) for writing, or returns
 * undefined when there is none. Never created (no O_CREAT: a root without /dev would
 * otherwise get a regular file holding a password or seed), never our controlling tty.
 */
export function openCharDevice(host: Host, device: string): ConsoleWriter | undefined {
  // a FIFO would block the open until someone reads it: check the kind before opening
  if (!host.statFollow(device)?.isCharacterDevice()) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(host.path(device), fs.constants.O_WRONLY | fs.constants.O_NOCTTY | fs.constants.O_APPEND);
  } catch {
    return undefined;
  }
  // what was opened is what counts: the path may have changed since the check
  if (!fs.fstatSync(fd).isCharacterDevice()) {
    fs.closeSync(fd);
    return undefined;
  }
  return {
    write: (data) => void (typeof data === "string" ? fs.writeSync(fd, data) : fs.writeSync(fd, data)),
    close: () => fs.closeSync(fd),
  };
}
