// Differential property test: generated pairs of AWS config and credentials files, read by the
// AWS SDK's own loader and by eks-token's reader, must give the same profile sections and the
// same region, role_arn and endpoint options for every profile tried (see shared-files-reference.ts
// for the deliberate differences in reading boolean values).
//
// A fixed seed and FAST_CHECK_RUNS runs (300 by default); a large run on demand:
//   FAST_CHECK_RUNS=20000 npx vitest run test/aws/ini-differential.test.ts
// and FAST_CHECK_SEED=N to try other files.
//
// Not generated: sections or profiles named after members of Object.prototype (`constructor`,
// `toString`, `__proto__` in a quoted or dotted header, ...). The SDK's loader stores those on
// built-in objects (changing them for the whole process); eks-token reads them as ordinary names.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { compareReads, filesIn, oursRead, sdkRead, writeFiles, type Selection } from "./shared-files-reference.js";

const RUNS = Number(process.env["FAST_CHECK_RUNS"] ?? "") || 300;
const SEED = Number(process.env["FAST_CHECK_SEED"] ?? "") || 20_261_201;

const dir = mkdtempSync(join(tmpdir(), "eks-token-ini-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ["default", "dev", "prod", "my profile", "dév", "a.b", "x@y:z/1", "sso-session.s", "services.t"];
const name = fc.constantFrom(...NAMES);

const HEADERS = [
  "[default]",
  "[ default ]",
  "[default] x",
  "[profile default]",
  "[profile {}]",
  '[profile "{}"]',
  "[profile '{}']",
  "[profile \"{}']",
  "[profile.{}]",
  "[ profile {} ]",
  "[profile  {}]",
  "[profile\t{}]",
  "[profile {}\t]",
  "[Profile {}]",
  "[{}]",
  "[ {} ]",
  "[sso-session {}]",
  "[services {}]",
  "[foo {}]",
  "[profile {}] # a note",
  "[profile {}]#note",
  "[profile {}] ;note",
  "[profile {} # x]",
  "[profile {}#x]",
  "[profile {}",
  "profile {}]",
  "[[profile {}]]",
  "[]",
  "[ ]",
  "[__proto__]",
  "[profile __proto__]",
];
const header = fc.tuple(fc.constantFrom(...HEADERS), name).map(([form, n]) => form.replace("{}", n));

const indent = fc.constantFrom("", "", "", " ", "  ", "\t", "\u00a0", " \t", "\uFEFF", "\u3000", "\v");
const key = fc.constantFrom(
  "region",
  "region",
  "use_fips_endpoint",
  "use_dualstack_endpoint",
  "sts_regional_endpoints",
  "role_arn",
  "Region",
  "REGION",
  "s3",
  "output",
  "__proto__",
  "reg ion",
  "[region",
);
const separator = fc.constantFrom("=", " = ", "\t=\t", " =", "= ", "==", "\u00a0=\u00a0");
const value = fc.constantFrom(
  "",
  "us-west-2",
  "cn-north-1",
  "eu-west-1 # ireland",
  "eu-west-1#x",
  "eu-west-1 ;x",
  "eu-west-1\t#x",
  "ap-south-1;x",
  "true",
  "false",
  "TRUE",
  "False",
  "yes",
  "legacy",
  "regional",
  "Legacy",
  "a=b",
  "ünï-côdé-1",
  "\u00a0us-east-1",
  '"us-east-1"',
  "arn:aws:iam::123456789012:role/r",
  "😀",
);
const trailing = fc.constantFrom("", "", " ", "\t", " # c", ";c", " ;c", "\u00a0#c");
const setting = fc.tuple(indent, key, separator, value, trailing).map((parts) => parts.join(""));
const comment = fc
  .tuple(indent, fc.constantFrom("#", ";"), fc.constantFrom("", " region = us-east-2", "[profile dev]", " x"))
  .map((p) => p.join(""));
const blank = fc.constantFrom("", " ", "\t", "\u00a0");
const noise = fc.string({
  unit: fc.constantFrom(
    "[",
    "]",
    "=",
    "#",
    ";",
    " ",
    "\t",
    "\r",
    "a",
    "p",
    ".",
    "é",
    "\u00a0",
    "\u2028",
    '"',
    "'",
    "\uFEFF",
    "😀",
  ),
  maxLength: 14,
});
const line = fc.oneof(
  { arbitrary: header, weight: 3 },
  { arbitrary: setting, weight: 6 },
  { arbitrary: comment, weight: 1 },
  { arbitrary: blank, weight: 1 },
  { arbitrary: noise, weight: 1 },
);
const file = fc
  .tuple(
    fc.constantFrom("", "", "\uFEFF"),
    fc.array(fc.tuple(line, fc.constantFrom("\n", "\n", "\r\n")), { maxLength: 30 }),
  )
  .map(([bom, lines]) => bom + lines.map(([text, eol]) => text + eol).join(""));

const selection: fc.Arbitrary<Selection> = fc.oneof(
  name.map((n) => ({ flag: n })),
  name.map((n) => ({ awsProfile: n })),
  fc.constant({ none: true as const }),
);

describe("the AWS shared files as the SDK's loader reads them", () => {
  it(
    `generated config and credentials files read alike (${RUNS} runs, seed ${SEED})`,
    async () => {
      const files = filesIn(join(dir, "files"));
      await fc.assert(
        fc.asyncProperty(
          file,
          file,
          fc.array(selection, { minLength: 1, maxLength: 3 }),
          async (config, credentials, selections) => {
            writeFiles(files, config, credentials);
            for (const s of [...selections, { flag: "default" }, { flag: "dev" }, { none: true as const }]) {
              compareReads(await sdkRead(files, s), oursRead(files, s), JSON.stringify(s));
            }
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    },
    // The default run takes a second or two; a large one on demand takes what it takes.
    Math.max(60_000, RUNS * 50),
  );
});
