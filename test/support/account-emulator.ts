// The AWS Account Management API's ListRegions on 127.0.0.1, as @aws-sdk/client-account calls it
// with AWS_ENDPOINT_URL_ACCOUNT set: `POST /listRegions` with a JSON body (MaxResults, NextToken,
// RegionOptStatusContains) -> {"Regions":[{"RegionName","RegionOptStatus"}],"NextToken"}.
// Requests are SigV4-verified against the STS emulator's keys; the caller's account (from its key)
// selects the answer, as ListRegions without AccountId does. A denied account gets 403
// AccessDeniedException, as a role without account:ListRegions does.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";
import { verifyAuthorizationHeader } from "./sigv4.js";
import type { KnownAccessKey } from "./sts-emulator.js";

/** The 17 regions enabled by default in every commercial account (those launched before March 2019). */
export const DEFAULT_ENABLED_REGIONS = [
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
] as const;

/** A few opt-in regions, listed DISABLED unless an account enables them. */
const OPT_IN_REGIONS = ["af-south-1", "ap-east-1", "eu-south-1", "me-south-1"] as const;

export interface AccountEmulatorOptions {
  readonly sts: { lookupAccessKey(accessKeyId: string): KnownAccessKey | undefined };
  /** Opt-in regions each account has enabled, by account id. */
  readonly optedIn?: Readonly<Record<string, readonly string[]>>;
  readonly now?: () => number;
}

export interface AccountRequestRecord {
  readonly path: string;
  accountId?: string;
  status?: number;
}

export interface AccountEmulator {
  readonly url: string;
  readonly requests: AccountRequestRecord[];
  /** ListRegions answers the account with 403 AccessDeniedException. */
  denyAccount(accountId: string): void;
  close(): Promise<void>;
}

const MAX_RESULTS = 50;

export async function startAccountEmulator(options: AccountEmulatorOptions): Promise<AccountEmulator> {
  const requests: AccountRequestRecord[] = [];
  const denied = new Set<string>();
  const now = options.now ?? Date.now;

  function send(res: ServerResponse, record: AccountRequestRecord, status: number, body: object, type?: string): void {
    const text = JSON.stringify(body);
    record.status = status;
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(type ? { "x-amzn-errortype": type } : {}),
    });
    res.end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const record: AccountRequestRecord = { path };
    requests.push(record);
    const verified = verifyAuthorizationHeader({
      method: req.method ?? "POST",
      url: req.url ?? "/",
      headers: req.headers,
      body,
      secretForAccessKey: (id) => options.sts.lookupAccessKey(id)?.key,
      now: now(),
    });
    if (!verified.ok) return send(res, record, 403, { message: verified.message }, "UnrecognizedClientException");
    if (verified.service !== "account") {
      return send(
        res,
        record,
        403,
        { message: "Credential should be scoped to 'account'." },
        "InvalidSignatureException",
      );
    }
    const caller = options.sts.lookupAccessKey(verified.accessKeyId)!;
    record.accountId = caller.accountId;
    if (req.method !== "POST" || path !== "/listRegions") {
      return send(res, record, 404, { message: "Unknown operation" }, "UnknownOperationException");
    }
    if (denied.has(caller.accountId)) {
      return send(
        res,
        record,
        403,
        { message: `User: ${caller.arn} is not authorized to perform: account:ListRegions` },
        "AccessDeniedException",
      );
    }
    let input: { MaxResults?: unknown; NextToken?: unknown; RegionOptStatusContains?: unknown };
    try {
      input = body === "" ? {} : JSON.parse(body);
    } catch {
      return send(res, record, 400, { message: "Malformed JSON" }, "ValidationException");
    }
    const optedIn = new Set(options.optedIn?.[caller.accountId] ?? []);
    const all = [
      ...DEFAULT_ENABLED_REGIONS.map((r) => ({ RegionName: r, RegionOptStatus: "ENABLED_BY_DEFAULT" })),
      ...OPT_IN_REGIONS.map((r) => ({ RegionName: r, RegionOptStatus: optedIn.has(r) ? "ENABLED" : "DISABLED" })),
    ].sort((a, b) => a.RegionName.localeCompare(b.RegionName));
    const wanted = Array.isArray(input.RegionOptStatusContains)
      ? (input.RegionOptStatusContains as unknown[])
      : undefined;
    const listed = wanted ? all.filter((r) => wanted.includes(r.RegionOptStatus)) : all;
    const max = input.MaxResults === undefined ? 20 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
      return send(res, record, 400, { message: `MaxResults must be 1 to ${MAX_RESULTS}` }, "ValidationException");
    }
    const start =
      typeof input.NextToken === "string" ? Number(Buffer.from(input.NextToken, "base64url").toString()) : 0;
    if (!Number.isInteger(start) || start < 0) {
      return send(res, record, 400, { message: "Invalid NextToken" }, "ValidationException");
    }
    const end = start + max;
    send(res, record, 200, {
      Regions: listed.slice(start, end),
      ...(end < listed.length ? { NextToken: Buffer.from(String(end)).toString("base64url") } : {}),
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    denyAccount: (accountId) => {
      denied.add(accountId);
    },
    close,
  };
}
