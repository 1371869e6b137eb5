// `eks-token kubeconfig` and `kubeconfig migrate` through the built CLI, given files a hostile or
// unlucky user may name: FIFOs, devices, sockets, directories, links, bytes that are not UTF-8,
// files nested or aliased to exhaust the parser, and files too large to be kubeconfigs. Each is
// refused with one `eks-token:` line and exit 1, in bounded time, and nothing on disk changes.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  chmodSync,
  chownSync,
  mkdtempSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runChild } from "../support/child.js";
import { CLI_COMMAND, ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectFailure } from "../support/expect.js";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
const UPDATE = ["kubeconfig", "--cluster-name", "demo", "--endpoint", "https://demo.example.com", "--ca-data", CA];
const MIGRATE = ["kubeconfig", "migrate"];

/** A kubeconfig with a hand-written user and one that runs `aws eks get-token` (for migrate). */
const SAMPLE = `# team kubeconfig: keep this line
apiVersion: v1
clusters:
- cluster:
    server: https://other.example.com
  name: other
contexts:
- context:
    cluster: other
    user: other
  name: other
current-context: other
kind: Config
preferences: {}
users:
# written by hand
- name: other
  user:
    token: TOKEN_VALUE
- name: old
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-west-2, eks, get-token, --cluster-name, old]
`;

let home: TempHome;
const sockets: Server[] = [];
let n = 0;
beforeAll(async () => {
  home = makeTempHome("eks-token-kubeconfig-cli-");
  await ensureBuilt();
}, 240_000);
afterAll(async () => {
  await Promise.all(sockets.map((s) => new Promise((r) => s.close(r))));
  home?.cleanup();
});

/** A fresh folder for one case. */
function scratch(): string {
  const dir = join(home.home, `case-${++n}`);
  mkdirSync(dir);
  return dir;
}

const run = (args: readonly string[], extra: Record<string, string | undefined> = {}) =>
  runCli(args, { env: hermeticEnv(home.home, { AWS_REGION: "us-west-2", ...extra }), timeoutMs: 15_000 });

/** Runs the command with the path given by --kubeconfig or by KUBECONFIG. */
function runOn(command: "update" | "migrate", via: "flag" | "env", path: string) {
  const base = command === "update" ? UPDATE : MIGRATE;
  return via === "flag" ? run([...base, "--kubeconfig", path]) : run(base, { KUBECONFIG: path });
}

function mkfifo(path: string): void {
  const made = spawnSync("mkfifo", [path]);
  if (made.status !== 0) throw new Error(`mkfifo ${path}: ${made.stderr}`);
}

async function socketAt(path: string): Promise<void> {
  const server = createServer();
  sockets.push(server);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(path, resolve));
}

/** The kind of node at path, not following links. */
function kind(path: string): string {
  const s = lstatSync(path);
  if (s.isSymbolicLink()) return `link -> ${readlinkSync(path)}`;
  if (s.isFIFO()) return "fifo";
  if (s.isSocket()) return "socket";
  if (s.isDirectory()) return "directory";
  if (s.isCharacterDevice()) return `char ${s.rdev}`;
  return s.isFile() ? "file" : "other";
}

const devNull = () => {
  const s = statSync("/dev/null");
  return { char: s.isCharacterDevice(), rdev: s.rdev };
};

describe.concurrent("a kubeconfig path that is not a regular file is refused, never replaced or waited on", () => {
  const fifo = (d: string) => {
    mkfifo(join(d, "fifo"));
    return join(d, "fifo");
  };
  const makers: Record<string, { make: (dir: string) => Promise<string> | string; says: RegExp }> = {
    FIFO: { make: fifo, says: /is a FIFO, not a regular file/ },
    "symlink to a FIFO": {
      make: (d) => {
        symlinkSync(fifo(d), join(d, "link"));
        return join(d, "link");
      },
      says: /is a FIFO, not a regular file/,
    },
    directory: {
      make: (d) => {
        mkdirSync(join(d, "config"));
        return join(d, "config");
      },
      says: /is a directory/,
    },
    socket: {
      make: async (d) => {
        await socketAt(join(d, "sock"));
        return join(d, "sock");
      },
      says: /is a socket/,
    },
  };
  for (const [name, { make, says }] of Object.entries(makers)) {
    for (const command of ["update", "migrate"] as const) {
      for (const via of ["flag", "env"] as const) {
        it(`${name}, ${command}, by ${via === "flag" ? "--kubeconfig" : "KUBECONFIG"}`, async () => {
          const dir = scratch();
          const path = await make(dir);
          const before = readdirSync(dir).map((f) => `${f}: ${kind(join(dir, f))}`);
          const result = await runOn(command, via, path);
          const line = expectFailure(result, says);
          expect(result.code).toBe(1);
          expect(line).toContain(path);
          // Same nodes, same kinds: nothing replaced, no temporary file left behind.
          expect(readdirSync(dir).map((f) => `${f}: ${kind(join(dir, f))}`)).toEqual(before);
        });
      }
    }
  }
});

describe("a character device (as with KUBECONFIG=/dev/null in CI) stays a device", () => {
  it("KUBECONFIG=/dev/null and a symlink to /dev/null: refused, and /dev/null is still the null device", async () => {
    const dir = scratch();
    // First the same refusal on a FIFO of our own: a build that would replace a special file
    // fails here, before it gets near the system's /dev/null.
    mkfifo(join(dir, "fifo"));
    symlinkSync(join(dir, "fifo"), join(dir, "fifo-link"));
    expectFailure(await runOn("update", "flag", join(dir, "fifo-link")), /is a FIFO, not a regular file/);
    expect(kind(join(dir, "fifo"))).toBe("fifo");

    const nullBefore = devNull();
    expect(nullBefore.char).toBe(true);
    symlinkSync("/dev/null", join(dir, "null-link"));
    for (const command of ["update", "migrate"] as const) {
      for (const [via, path] of [
        ["env", "/dev/null"],
        ["flag", join(dir, "null-link")],
      ] as const) {
        const result = await runOn(command, via, path);
        expect(result.code, `${command} ${path}`).toBe(1);
        expectFailure(result, /is a character device, not a regular file/);
        expect(devNull(), `${command} ${path}`).toEqual(nullBefore);
      }
    }
    expect(kind(join(dir, "null-link"))).toBe("link -> /dev/null");
  });
});

describe.concurrent("links", () => {
  for (const command of ["update", "migrate"] as const) {
    it(`${command}: a symlink to a regular file is written through to the target, keeping the link and its mode`, async () => {
      const dir = scratch();
      const target = join(dir, "dotfiles-kubeconfig");
      writeFileSync(target, SAMPLE, { mode: 0o640 });
      symlinkSync(target, join(dir, "config"));
      const result = await runOn(command, "flag", join(dir, "config"));
      expect(result.code, result.stderr).toBe(0);
      expect(kind(join(dir, "config"))).toBe(`link -> ${target}`);
      expect(statSync(target).mode & 0o777).toBe(0o640);
      const users = (parse(readFileSync(target, "utf8")) as { users: Array<{ name: string; user: unknown }> }).users;
      if (command === "update") expect(users.map((u) => u.name)).toEqual(["other", "old", "demo"]);
      else expect(users[1]!.user).toMatchObject({ exec: { command: "eks-token" } });
      expect(readdirSync(dir).sort()).toEqual(["config", "dotfiles-kubeconfig"]);
    });
  }

  it("update: a symlink to a missing file is refused; the link stays and nothing is created", async () => {
    const dir = scratch();
    symlinkSync(join(dir, "missing", "kubeconfig"), join(dir, "config"));
    expectFailure(await runOn("update", "flag", join(dir, "config")), /is a symlink to a file that does not exist/);
    expect(readdirSync(dir)).toEqual(["config"]);
    expect(kind(join(dir, "config"))).toBe(`link -> ${join(dir, "missing", "kubeconfig")}`);
  });
});

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const crlf = (text: string) => text.replace(/\n/g, "\r\n");

describe.concurrent("bytes outside the edited entries", () => {
  for (const command of ["update", "migrate"] as const) {
    for (const [name, bytes] of [
      ["a UTF-8 byte-order mark", Buffer.concat([BOM, Buffer.from(SAMPLE)])],
      ["CRLF line endings", Buffer.from(crlf(SAMPLE))],
      ["a byte-order mark and CRLF", Buffer.concat([BOM, Buffer.from(crlf(SAMPLE))])],
    ] as const) {
      it(`${command}: ${name} are kept`, async () => {
        const path = join(scratch(), "config");
        writeFileSync(path, bytes);
        const result = await runOn(command, "flag", path);
        expect(result.code, result.stderr).toBe(0);
        const out = readFileSync(path);
        const hadBom = bytes.subarray(0, 3).equals(BOM);
        expect(out.subarray(0, 3).equals(BOM)).toBe(hadBom);
        const text = out.toString("utf8");
        // One BOM, not two; and no replacement characters anywhere.
        expect(text.lastIndexOf("\uFEFF")).toBe(hadBom ? 0 : -1);
        expect(text).not.toContain("\uFFFD");
        const usesCrlf = bytes.includes("\r\n");
        expect(
          text
            .split("\n")
            .slice(0, -1)
            .every((l) => l.endsWith("\r")),
        ).toBe(usesCrlf);
        if (!usesCrlf) expect(text).not.toContain("\r");
        // The lines before the first edited entry are the file's own bytes.
        const head = bytes
          .toString("utf8")
          .split(usesCrlf ? "\r\n" : "\n")
          .slice(0, 4)
          .join(usesCrlf ? "\r\n" : "\n");
        expect(text.startsWith(head)).toBe(true);
        expect(text).toContain("# written by hand");
        expect(text).toContain("token: TOKEN_VALUE");
      });
    }

    for (const [name, bytes, line] of [
      ["a Latin-1 byte in a comment", withBytes(SAMPLE, "by hand", [0x62, 0x79, 0x20, 0xe9]), 16],
      ["a byte that is not UTF-8 in another user's value", withBytes(SAMPLE, "_", [0xff]), 19],
      ["a cut multi-byte sequence, in a CRLF file", withBytes(crlf(SAMPLE), "this line", [0xe2, 0x82]), 1],
      [
        "UTF-16 with its byte-order mark",
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, "utf16le")]),
        1,
      ],
    ] as const) {
      it(`${command}: ${name} is refused and the file left untouched`, async () => {
        const path = join(scratch(), "config");
        writeFileSync(path, bytes);
        const result = await runOn(command, "flag", path);
        expect(result.code).toBe(1);
        expectFailure(
          result,
          new RegExp(`^eks-token: ${escapeRegExp(path)}:${line} is not UTF-8 text .*left as it is$`),
        );
        expect(readFileSync(path).equals(bytes)).toBe(true);
        expect(readdirSync(join(path, ".."))).toEqual(["config"]);
      });
    }
  }
});

/** text with the first `marker` replaced by raw bytes. */
function withBytes(text: string, marker: string, raw: readonly number[]): Buffer {
  const at = text.indexOf(marker);
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(raw), Buffer.from(text.slice(at + marker.length))]);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function billionLaughs(): string {
  const names = "abcdefghi";
  const lines = [`${names[0]}: &${names[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < names.length; i++) {
    lines.push(
      `${names[i]}: &${names[i]} [${Array(10)
        .fill(`*${names[i - 1]}`)
        .join(", ")}]`,
    );
  }
  return `${lines.join("\n")}\nusers: []\n`;
}

describe.concurrent("files made to exhaust the parser, or too large", () => {
  const cases: Array<[string, () => string | number, RegExp]> = [
    ["40 kB of nested [", () => "[".repeat(40_000), /:1: collections nested more than 128 deep/],
    ["40 kB of nested {", () => "{".repeat(40_000), /:1: collections nested more than 128 deep/],
    ["nested [ and { closed again", () => `users: ${"[{a: ".repeat(5_000)}${"}]".repeat(5_000)}\n`, /nested more than/],
    ["20,000 nested block sequences", () => `${"- ".repeat(20_000)}x\n`, /:1: collections nested more than 128 deep/],
    [
      "deep nesting inside a user's entry",
      () => SAMPLE.replace("token: TOKEN_VALUE", `token: ${"[".repeat(300)}${"]".repeat(300)}`),
      /:19: collections nested more than 128 deep/,
    ],
    ["a billion laughs", billionLaughs, /aliases expand beyond 100 nodes/],
    [
      "one anchor aliased 5,000 times",
      () =>
        `x: &x [a, b, c]\nusers:\n${Array.from({ length: 5_000 }, (_, i) => `- name: u${i}\n  user: *x\n`).join("")}`,
      /aliases expand beyond 100 nodes/,
    ],
    ["a 50 MB file", () => 50 * 1024 * 1024, /is larger than 8 MiB/],
  ];
  for (const command of ["update", "migrate"] as const) {
    for (const [name, content, says] of cases) {
      it(`${command}: ${name}: one line, exit 1, the file untouched`, async () => {
        const path = join(scratch(), "config");
        const made = content();
        // The large file is sparse: 50 MB to read, no disk used.
        if (typeof made === "number") {
          writeFileSync(path, "apiVersion: v1\n");
          truncateSync(path, made);
        } else writeFileSync(path, made);
        const before = statSync(path);
        const original = typeof made === "number" ? undefined : readFileSync(path);
        const result = await runOn(command, "flag", path);
        expect(result.code, result.stderr.slice(0, 500)).toBe(1);
        expectFailure(result, says);
        expect(result.stderr).not.toMatch(/FATAL|out of memory|call stack/i);
        const after = statSync(path);
        expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
        if (original) expect(readFileSync(path).equals(original)).toBe(true);
      });
    }
  }

  it("a kubeconfig with a few aliases, nested as deep as real ones, is still read and written", async () => {
    const path = join(scratch(), "config");
    writeFileSync(path, `${SAMPLE}- name: shared\n  user: &u {token: abc}\n- name: again\n  user: *u\n`);
    const result = await run([...UPDATE, "--kubeconfig", path]);
    expect(result.code, result.stderr).toBe(0);
    const users = (parse(readFileSync(path, "utf8")) as { users: Array<{ name: string; user: unknown }> }).users;
    expect(users.find((u) => u.name === "again")!.user).toEqual({ token: "abc" });
  });
});

describe.concurrent("a write that fails leaves only the error line", () => {
  for (const command of ["update", "migrate"] as const) {
    it(`${command}: a name the temporary file cannot extend (ENAMETOOLONG): empty stdout, one line, file unchanged`, async () => {
      const dir = scratch();
      // Readable, but the temporary file beside it would have a name past NAME_MAX (255).
      const path = join(dir, "k".repeat(240));
      writeFileSync(path, SAMPLE);
      const result = await runOn(command, "flag", path);
      expect(result.code).toBe(1);
      expectFailure(result, /^eks-token: cannot write .*ENAMETOOLONG/);
      expect(result.stderr).not.toContain("command:");
      expect(readFileSync(path, "utf8")).toBe(SAMPLE);
      expect(readdirSync(dir)).toEqual(["k".repeat(240)]);
    });
  }

  it("migrate --dry-run still prints the rewritten file and the summary, and writes nothing", async () => {
    const path = join(scratch(), "k".repeat(240));
    writeFileSync(path, SAMPLE);
    const result = await run([...MIGRATE, "--kubeconfig", path, "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("command: eks-token");
    expect(result.stderr).toContain("+ command: eks-token token --cluster-name old --region us-west-2");
    expect(result.stderr).toContain(`Would change 1 user in ${path}`);
    expect(readFileSync(path, "utf8")).toBe(SAMPLE);
    expect(existsSync(path)).toBe(true);
  });
});

describe("concurrent writers of one kubeconfig lose nothing", () => {
  it("twenty `eks-token kubeconfig` at once, each for another cluster: twenty entries, and each says Added", async () => {
    const path = join(scratch(), "config");
    writeFileSync(path, SAMPLE);
    const names = Array.from({ length: 20 }, (_, i) => `team-${i}`);
    const results = await Promise.all(
      names.map((name) =>
        runCli(
          [
            "kubeconfig",
            "--cluster-name",
            name,
            "--endpoint",
            `https://${name}.example.com`,
            "--ca-data",
            CA,
            "--kubeconfig",
            path,
          ],
          { env: hermeticEnv(home.home, { AWS_REGION: "us-west-2" }), timeoutMs: 60_000 },
        ),
      ),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`Added new context ${names[i]} to ${path}\n`);
    });
    const doc = parse(readFileSync(path, "utf8")) as Record<"clusters" | "users" | "contexts", { name: string }[]>;
    for (const list of ["clusters", "users", "contexts"] as const) {
      expect(doc[list].map((e) => e.name).sort(), list).toEqual(
        [...names, "other", ...(list === "users" ? ["old"] : [])].sort(),
      );
    }
    // The hand-written parts are still there, and no lock or temporary file is left.
    expect(readFileSync(path, "utf8")).toContain("# team kubeconfig: keep this line");
    expect(readdirSync(join(path, ".."))).toEqual(["config"]);
  }, 120_000);
});

/** The unprivileged user the tests run the CLI and kubectl as, to see what a user (not root) may write. */
const NOBODY = 65534;
const AS_ROOT = process.getuid?.() === 0;
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
const CANNOT_SWITCH_USER = !AS_ROOT || !SETPRIV;

/** Runs `command ...args` as uid/gid 65534 with no supplementary groups. */
function runAsNobody(command: readonly string[], env: Record<string, string>) {
  return runChild(SETPRIV!, [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...command], {
    env,
    cwd: "/",
    timeoutMs: 20_000,
  });
}

describe.skipIf(CANNOT_SWITCH_USER)("who may write the kubeconfig: the caller's own rights, as kubectl decides", () => {
  // A folder the other user can reach: the temporary HOME is root's alone.
  let shared: string;
  beforeAll(() => {
    shared = mkdtempSync(join(tmpdir(), "eks-token-kubeconfig-owner-"));
    chmodSync(shared, 0o755);
  });
  afterAll(() => rmSync(shared, { recursive: true, force: true }));
  let m = 0;
  /** A folder owned by nobody, holding `config` with this text, owner and mode. */
  function fileOf(text: string, owner: number, mode: number): string {
    const dir = join(shared, `case-${++m}`);
    mkdirSync(dir);
    chownSync(dir, NOBODY, NOBODY);
    const path = join(dir, "config");
    writeFileSync(path, text);
    chownSync(path, owner, owner);
    chmodSync(path, mode);
    return path;
  }
  const envFor = (home: string) => hermeticEnv(home, { AWS_REGION: "us-west-2" });

  for (const command of ["update", "migrate"] as const) {
    const base = command === "update" ? UPDATE : MIGRATE;

    it(`${command}: as a user, a read-only kubeconfig is refused with one line, as kubectl refuses it; nothing changes`, async () => {
      const path = fileOf(SAMPLE, NOBODY, 0o400);
      const result = await runAsNobody([...CLI_COMMAND, ...base, "--kubeconfig", path], envFor(join(path, "..")));
      expectFailure(
        result,
        /^eks-token: .*\/config is read-only for this user \(EACCES\): kubectl refuses to write it too; make it writable/,
      );
      expect(readFileSync(path, "utf8")).toBe(SAMPLE);
      expect(readdirSync(join(path, ".."))).toEqual(["config"]);
      if (KUBECTL) {
        const kubectl = await runAsNobody(
          [KUBECTL, "config", "set-context", "x", "--cluster=other", `--kubeconfig=${path}`],
          envFor(join(path, "..")),
        );
        expect(kubectl.code).not.toBe(0);
        expect(kubectl.stderr).toMatch(/permission denied/);
        expect(readFileSync(path, "utf8")).toBe(SAMPLE);
      }
    });

    it(`${command}: root rewriting another user's kubeconfig keeps its owner, group and mode`, async () => {
      const path = fileOf(SAMPLE, NOBODY, 0o600);
      const result = await run([...base, "--kubeconfig", path]);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(path, "utf8")).not.toBe(SAMPLE);
      const after = statSync(path);
      expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([NOBODY, NOBODY, 0o600]);
    });

    it(`${command}: as a user, a file of another owner that it may write is refused rather than made its own`, async () => {
      const path = fileOf(SAMPLE, 0, 0o666);
      const result = await runAsNobody([...CLI_COMMAND, ...base, "--kubeconfig", path], envFor(join(path, "..")));
      expectFailure(
        result,
        /^eks-token: cannot write .*\/config keeping its owner \(user 0\): EPERM: eks-token replaces the file whole/,
      );
      expect(readFileSync(path, "utf8")).toBe(SAMPLE);
      expect(statSync(path).uid).toBe(0);
      expect(readdirSync(join(path, ".."))).toEqual(["config"]);
    });
  }

  it("root writes a read-only kubeconfig, as kubectl run by root does (mode bits do not bind root); the mode stays", async () => {
    const path = fileOf(SAMPLE, 0, 0o400);
    const result = await run([...UPDATE, "--kubeconfig", path]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`Added new context demo to ${path}\n`);
    expect(statSync(path).mode & 0o7777).toBe(0o400);
    if (KUBECTL) {
      const kubectl = await runChild(
        KUBECTL,
        ["config", "set-context", "x", "--cluster=demo", `--kubeconfig=${path}`],
        {
          env: envFor(join(path, "..")),
        },
      );
      expect(kubectl.code, kubectl.stderr).toBe(0);
    }
  });
});

describe.concurrent("YAML anchors shared with what changes", () => {
  const SHARED = `apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: &c
    server: https://old.example.com
- name: other
  cluster: *c
users:
- name: demo
  user:
    exec: &e
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: &a [--region, us-west-2, eks, get-token, --cluster-name, demo]
- name: second
  user:
    exec: *e
- name: third
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: *a}
`;
  type Users = { users: { name: string; user: { exec: { command: string } } }[] };
  const commands = (path: string) =>
    Object.fromEntries((parse(readFileSync(path, "utf8")) as Users).users.map((u) => [u.name, u.user.exec.command]));

  it("update: replaces the demo entries, the aliases to them keep their content; exit 0", async () => {
    const path = join(scratch(), "config");
    writeFileSync(path, SHARED);
    const result = await run([...UPDATE, "--kubeconfig", path]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`Updated context demo in ${path}\n`);
    expect(commands(path)).toEqual({ demo: "eks-token", second: "aws", third: "aws" });
    const clusters = (parse(readFileSync(path, "utf8")) as { clusters: { name: string; cluster: unknown }[] }).clusters;
    expect(clusters.find((c) => c.name === "other")!.cluster).toEqual({ server: "https://old.example.com" });
  });

  it("migrate: each user of the shared block is migrated and reported; exit 0", async () => {
    const path = join(scratch(), "config");
    writeFileSync(path, SHARED);
    const result = await run([...MIGRATE, "--kubeconfig", path]);
    expect(result.code, result.stderr).toBe(0);
    expect(commands(path)).toEqual({ demo: "eks-token", second: "eks-token", third: "eks-token" });
    expect(result.stderr.match(/^user \w+$/gm)).toEqual(["user demo", "user second", "user third"]);
    expect(result.stderr).toContain(`Changed 3 users in ${path}\n`);
  });
});
