// The `kubeconfig sync` rows of `npm run bench`: a sync of 50 accounts × 17 regions with 40
// clusters against the test emulators (SSO portal, EKS, Account, STS from test/support/fleet.ts,
// bundled with esbuild and run in a child process so the timed CLI never shares its event loop).
// Each row is a first sync (the file is new) and a second (nothing changes); reported: wall time
// of each and the calls the emulators counted. One row as the emulators answer on loopback, one
// with 100 ms added to every EKS answer, as a far region would.
import { build } from "esbuild";
import { spawn, fork } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ACCOUNTS = 50;
const CLUSTERS = 40;
const TOKEN = "aoaBenchSyncAccessToken000000000000000000000";
const START_URL = "https://bench.awsapps.com/start";

async function startFleetChild(temp, root) {
  const entry = join(temp, "fleet-entry.mjs");
  const bundle = join(temp, "fleet.mjs");
  const regions = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
  ];
  // 40 clusters spread over the first accounts and a few regions; two roles per account.
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    id: String(400000000000 + i),
    name: `team-${String(i).padStart(2, "0")}`,
    roles: ["ReadOnly", "Admin"],
    clusters: [],
  }));
  for (let c = 0; c < CLUSTERS; c++) {
    accounts[c % 20].clusters.push({ name: `cluster-${c}`, region: regions[c % regions.length] });
  }
  writeFileSync(
    entry,
    `import { startFleet } from ${JSON.stringify(join(root, "test", "support", "fleet.ts"))};
const fleet = await startFleet({ accessToken: ${JSON.stringify(TOKEN)}, accounts: ${JSON.stringify(accounts)} });
process.on("message", async (m) => {
  if (m?.latency !== undefined) { fleet.eks.setLatency(m.latency); process.send({ ok: true }); }
  if (m === "calls") process.send({ calls: { sso: { ...fleet.sso.calls }, eks: { ...fleet.eks.calls }, account: fleet.account.requests.length, inFlight: fleet.eks.inFlight } });
  if (m === "close") { await fleet.close(); process.exit(0); }
});
process.on("disconnect", () => process.exit(0));
process.send({ env: fleet.env });
`,
  );
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  });
  const child = fork(bundle, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const next = (key) =>
    new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m && typeof m === "object" && key in m) {
          child.off("message", onMessage);
          child.off("exit", onExit);
          resolve(m[key]);
        }
      };
      const onExit = (code) => reject(new Error(`the fleet emulators exited (${code})`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const env = await next("env");
  return {
    env,
    ask: (message, key) => {
      const p = next(key);
      child.send(message);
      return p;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send("close");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`kubeconfig sync exited ${code}: ${stderr.trim().split("\n").at(-1)}`));
      else resolve(ms);
    });
  });
}

const diff = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)]));

/**
 * Runs the rows; `runtimes` maps a label to the command that runs the CLI ([node, cli] or
 * [native]). Returns plain data for the JSON document and the table.
 */
export async function benchSync({ temp, root, runtimes, log }) {
  const dir = join(temp, "sync");
  mkdirSync(dir, { recursive: true });
  log("starting the fleet emulators (SSO portal, EKS, Account, STS)");
  const fleet = await startFleetChild(dir, root);
  const rows = [];
  try {
    for (const [label, command] of Object.entries(runtimes)) {
      for (const latency of [0, 100]) {
        await fleet.ask({ latency }, "ok");
        const home = join(dir, `home-${rows.length}`);
        mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
        writeFileSync(
          join(home, ".aws", "config"),
          `[sso-session bench]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`,
        );
        const { createHash } = await import("node:crypto");
        writeFileSync(
          join(home, ".aws", "sso", "cache", `${createHash("sha1").update("bench").digest("hex")}.json`),
          JSON.stringify({
            startUrl: START_URL,
            region: "us-east-1",
            accessToken: TOKEN,
            expiresAt: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          }),
        );
        const env = {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: home,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: join(home, ".aws", "config"),
          AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
          ...fleet.env,
        };
        log(`sync: ${label}, ${latency} ms per EKS answer`);
        const before = await fleet.ask("calls", "calls");
        const first = await timed(command[0], [...command.slice(1), "kubeconfig", "sync"], env);
        const middle = await fleet.ask("calls", "calls");
        const second = await timed(command[0], [...command.slice(1), "kubeconfig", "sync"], env);
        rmSync(home, { recursive: true, force: true });
        rows.push({
          label: `kubeconfig sync, ${label}${latency ? `, +${latency} ms per EKS call` : ""}`,
          firstMs: first,
          secondMs: second,
          calls: {
            ssoPortal: Object.values(diff(before.sso, middle.sso)).reduce((a, b) => a + b, 0),
            eks: diff(before.eks, middle.eks),
            listRegions: middle.account - before.account,
          },
          maxInFlight: middle.inFlight.max,
          maxPerAccountRegion: middle.inFlight.maxPerAccountRegion,
        });
      }
    }
  } finally {
    await fleet.close();
  }
  return { accounts: ACCOUNTS, regions: 17, clusters: CLUSTERS, rows };
}

export function renderSync(sync) {
  const lines = [
    "",
    `kubeconfig sync: ${sync.accounts} accounts × ${sync.regions} regions, ${sync.clusters} clusters (emulators)`,
  ];
  for (const r of sync.rows) {
    const eks = Object.entries(r.calls.eks)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    lines.push(
      `  ${r.label}: first ${(r.firstMs / 1000).toFixed(1)} s, second ${(r.secondMs / 1000).toFixed(1)} s; ` +
        `calls: SSO portal ${r.calls.ssoPortal}, ListRegions ${r.calls.listRegions}, ${eks}; ` +
        `EKS in flight at most ${r.maxInFlight} (${r.maxPerAccountRegion} per account and region)`,
    );
  }
  return `${lines.join("\n")}\n`;
}
