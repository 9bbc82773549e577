// Tests import units/ files as text, as the esbuild bundle does.
import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      name: "units-as-text",
      enforce: "pre",
      load(id) {
        if (/\/units\/[^/]+\.(service|target|cfg|sh)$/.test(id)) return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
        return undefined;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 30_000,
    // boot tests share one machine's rootfs cache and cores: files run one at a time (npm test
    // runs the QEMU file in a second process beside the rest, see test/run.mjs)
    fileParallelism: false,
  },
});
