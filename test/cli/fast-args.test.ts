// The cache-hit path's argument scanner (src/cli/fast-args.ts) against the full parser
// (node:util's parseArgs behind src/cli/args.ts), on generated argument lists built from the same
// option table: whatever the scanner accepts, it reads as the full parser does, and the command
// built from it is the same; what it does not accept it leaves to the full parser. A new option
// in the table is generated here without a change to this file.
import { type ParseArgsConfig, parseArgs } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPTIONS, parseTokenArgs, scanTokenFlags } from "../../src/cli/args.js";
import { fastScanTokenFlags, NotScanned, scanFlagsWith, type Option } from "../../src/cli/fast-args.js";

const TABLE = Object.entries(OPTIONS as Record<string, Option>);
const STRING_NAMES = TABLE.filter(([, o]) => o.type === "string").map(([n]) => n);
const BOOLEAN_NAMES = TABLE.filter(([, o]) => o.type === "boolean").map(([n]) => n);
const SHORTS = TABLE.filter(([, o]) => o.short !== undefined).map(([n, o]) => ({ name: n, short: o.short as string }));

/** Values as kubeconfigs carry them, and ones that try the edges (dashes, `=`, empty, spaces, Unicode). */
const value = fc.oneof(
  fc.constantFrom("alpha", "us-west-2", "arn:aws:iam::123456789012:role/eks", "json", "token", "v1", "dev", "-", "--"),
  fc.constantFrom("", "=", "a=b", "-x", "--cluster-name", "-i", " spaced value ", "é🙂", "token", "get-token"),
  fc.string({ maxLength: 12 }),
);

/** One or two words of a command line, in every form either parser might see. */
const word: fc.Arbitrary<string[]> = fc.oneof(
  // plain forms the scanner reads
  fc.tuple(fc.constantFrom(...STRING_NAMES), value).map(([n, v]) => [`--${n}`, v]),
  fc.tuple(fc.constantFrom(...STRING_NAMES), value).map(([n, v]) => [`--${n}=${v}`]),
  fc.constantFrom(...BOOLEAN_NAMES).map((n) => [`--${n}`]),
  fc.tuple(fc.constantFrom(...SHORTS), value).map(([s, v]) => [`-${s.short}`, v]),
  fc.constantFrom("token", "eks", "get-token", "other").map((w) => [w]),
  // forms it leaves to the full parser
  fc.tuple(fc.constantFrom(...BOOLEAN_NAMES), value).map(([n, v]) => [`--${n}=${v}`]),
  fc.tuple(fc.constantFrom(...SHORTS), value).map(([s, v]) => [`-${s.short}${v}`]),
  fc.constantFrom(...STRING_NAMES).map((n) => [`--${n}`]),
  fc.constantFrom("--", "-", "--unknown", "-z", "-hi", "--=x", "--Region", "--help", "-h", "--version").map((w) => [w]),
  value.map((v) => [v]),
);
const argvs = fc.array(word, { maxLength: 8 }).map((words) => words.flat());

/** The token options as they may grow: more string flags, one that repeats, ones with defaults. */
const GROWN: Record<string, Option> = {
  ...(OPTIONS as Record<string, Option>),
  "sso-login": { type: "string" },
  "sso-session": { type: "string" },
  "sso-account-id": { type: "string" },
  tag: { type: "string", multiple: true, short: "t" },
  mode: { type: "string", default: "auto" },
  quiet: { type: "boolean", default: false, short: "q" },
};
const GROWN_TABLE = Object.entries(GROWN);
const grownWord: fc.Arbitrary<string[]> = fc.oneof(
  word,
  fc
    .tuple(fc.constantFrom(...GROWN_TABLE.filter(([, o]) => o.type === "string").map(([n]) => n)), value)
    .map(([n, v]) => [`--${n}`, v]),
  fc.tuple(fc.constantFrom("tag", "mode", "sso-login"), value).map(([n, v]) => [`--${n}=${v}`]),
  fc.tuple(fc.constantFrom("-t", "-q"), value).map(([f, v]) => [f, v]),
  fc.constantFrom("--quiet", "-q", "--quiet=false").map((w) => [w]),
);

/** The full parser's flags, or its error. */
function full(argv: string[]) {
  try {
    return { ok: true as const, flags: scanTokenFlags(argv) };
  } catch (e) {
    return { ok: false as const, error: e };
  }
}

/** A command or its error, as JSON-able data. */
function command(argv: string[], env: Record<string, string>, fast: boolean): unknown {
  try {
    return parseTokenArgs(argv, env, fast ? fastScanTokenFlags : undefined);
  } catch (e) {
    return { error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

describe("the cache-hit path's argument scanner", () => {
  it("reads every list it accepts as the full parser does, and builds the same command from it", () => {
    let accepted = 0;
    fc.assert(
      fc.property(argvs, (argv) => {
        let flags: ReturnType<typeof fastScanTokenFlags>;
        try {
          flags = fastScanTokenFlags(argv);
        } catch (e) {
          expect(e).toBeInstanceOf(NotScanned);
          return;
        }
        accepted++;
        const reference = full(argv);
        expect(reference.ok, `the full parser refuses ${JSON.stringify(argv)}`).toBe(true);
        if (!reference.ok) return;
        expect({ values: { ...flags.values }, positionals: flags.positionals }).toEqual({
          values: { ...reference.flags.values },
          positionals: reference.flags.positionals,
        });
        const env = { KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID: "from-env" };
        expect(command(argv, env, true)).toEqual(command(argv, env, false));
      }),
      { numRuns: 3000 },
    );
    // Not a scanner that refuses everything.
    expect(accepted).toBeGreaterThan(500);
  });

  it("accepts the plain forms kubeconfigs carry", () => {
    const plain = fc.array(
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...STRING_NAMES), fc.constantFrom("alpha", "us-west-2", "", "a=b", "é"))
          .map(([n, v]) => [`--${n}`, v]),
        fc
          .tuple(fc.constantFrom(...STRING_NAMES), fc.constantFrom("alpha", "-x", "", "="))
          .map(([n, v]) => [`--${n}=${v}`]),
        fc.constantFrom(...BOOLEAN_NAMES).map((n) => [`--${n}`]),
        fc
          .tuple(fc.constantFrom(...SHORTS), fc.constantFrom("alpha", "x y"))
          .map(([s, v]) =>
            OPTIONS[s.name as keyof typeof OPTIONS].type === "string" ? [`-${s.short}`, v] : [`-${s.short}`],
          ),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(plain, fc.constantFrom([], ["token"], ["eks", "get-token"]), (words, lead) => {
        const argv = [...lead, ...words.flat()];
        expect(() => fastScanTokenFlags(argv)).not.toThrow();
        expect(fastScanTokenFlags(argv)).toEqual(scanTokenFlags(argv));
      }),
      { numRuns: 1000 },
    );
  });

  it("agrees with parseArgs on a grown option table too: new flags, a repeated one, defaults", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(grownWord, { maxLength: 8 }), (words) => {
        const argv = words.flat();
        let scanned: ReturnType<typeof scanFlagsWith>;
        try {
          scanned = scanFlagsWith(argv, GROWN);
        } catch (e) {
          expect(e).toBeInstanceOf(NotScanned);
          return;
        }
        accepted++;
        const options = GROWN as NonNullable<ParseArgsConfig["options"]>;
        const reference = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
        expect({ values: { ...scanned.values }, positionals: scanned.positionals }).toEqual({
          values: { ...reference.values },
          positionals: reference.positionals,
        });
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it("leaves to the full parser what it does not read", () => {
    for (const argv of [
      ["--cluster-name"],
      ["--cluster-name", "--region", "r"],
      ["--cluster-name", "-"],
      ["-ialpha"],
      ["-hi"],
      ["--cache=true"],
      ["--", "token"],
      ["-"],
      ["--not-an-option", "x"],
      ["--Cluster-name", "a"],
    ]) {
      expect(() => fastScanTokenFlags(argv), JSON.stringify(argv)).toThrow(NotScanned);
    }
  });

  it("the last of a repeated option wins, as in the full parser", () => {
    const argv = ["--region", "a", "--region=b", "-i", "c", "--cluster-id", "d"];
    expect(fastScanTokenFlags(argv)).toEqual(scanTokenFlags(argv));
    expect(fastScanTokenFlags(argv).values).toMatchObject({ region: "b", "cluster-id": "d" });
  });
});
