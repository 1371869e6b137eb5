import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CLI and end-to-end tests spawn processes; two cores are all a CI machine has.
    maxWorkers: 2,
    // In CI a JSON report too, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env["CI"] ? ["default", "json"] : ["default"],
    // The second pass (npm run test:native: the CLI tests against the native executable) reports apart.
    outputFile: {
      json:
        process.env["EKS_TOKEN_TEST_RUNTIME"] === "native" ? ".ci/vitest-report-native.json" : ".ci/vitest-report.json",
    },
  },
});
