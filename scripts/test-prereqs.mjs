// Makes sure the system tools the test suite drives are present: Debian's chromium (browser tests through
// playwright-core) and prometheus (promtool validates GET /metrics; the server scrapes llmlb with
// deploy/prometheus.yml in monitoring.test.ts). Installs them with apt-get when missing and running as root
// (CI, fresh machines of this kind); otherwise names the command to run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const onPath = (command) =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

const needed = [
  {
    pkg: "chromium",
    present: () => existsSync("/usr/lib/chromium/chromium") || existsSync("/usr/bin/chromium"),
  },
  { pkg: "prometheus", present: () => onPath("promtool") },
];
const missing = needed.filter((tool) => !tool.present()).map((tool) => tool.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get install -y ${missing.join(" ")}`;
if (process.getuid?.() !== 0 || !onPath("apt-get")) {
  console.error(`test prerequisites missing: ${missing.join(", ")} — install them with: sudo ${command}`);
  process.exit(1);
}
console.log(`test prerequisites: installing ${missing.join(", ")} (${command})`);
const run = (args) =>
  spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
if (run(["update", "-qq"]).status !== 0 || run(["install", "-y", "-qq", ...missing]).status !== 0) {
  console.error(`test prerequisites: '${command}' failed`);
  process.exit(1);
}
