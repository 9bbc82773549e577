// The machine's console, where cloud-init shows what only the person at the screen (or the
// cloud's console log) should see: generated passwords, host key fingerprints.
import type { Host } from "./host/host";

/** Returns false when the machine has no console to write to. */
export function writeConsole(host: Host, text: string): boolean {
  try {
    host.append("/dev/console", text);
    return true;
  } catch {
    return false;
  }
}
