// Tokens for the verify tests: presigned with the independent test signer, or hand-made URLs.
import { encodeToken } from "../../src/token/encode.js";
import { presignUrl, toAmzDate, type SigningCredentials } from "../support/sigv4.js";

/** 2025-01-15T12:00:00Z: every test clock starts here. */
export const SIGNED_AT = Date.UTC(2025, 0, 15, 12, 0, 0);
export const CLUSTER = "test-cluster";
export const USER_CREDS: SigningCredentials = {
  accessKeyId: "AKIAVERIFYTESTUSER01",
  secretAccessKey: "verify/test/secret/key/0000000000000000000",
};

export interface PresignArgs {
  host?: string;
  region?: string;
  cluster?: string;
  signedAt?: number;
  credentials?: SigningCredentials;
  expiresSeconds?: number;
}

export function presignedUrl(args: PresignArgs = {}): string {
  const host = args.host ?? "sts.us-west-2.amazonaws.com";
  return presignUrl({
    url: `https://${host}/?Action=GetCallerIdentity&Version=2011-06-15`,
    headers: { "x-k8s-aws-id": args.cluster ?? CLUSTER },
    credentials: args.credentials ?? USER_CREDS,
    region: args.region ?? "us-west-2",
    service: "sts",
    amzDate: toAmzDate(args.signedAt ?? SIGNED_AT),
    expiresSeconds: args.expiresSeconds ?? 60,
  });
}

export function makeToken(args: PresignArgs = {}): string {
  return encodeToken(presignedUrl(args));
}

/** A well-formed query for hand-made URLs; tests replace or append parameters. */
export function handQuery(overrides: Record<string, string> = {}, signedAt = SIGNED_AT): string {
  const params: Record<string, string> = {
    Action: "GetCallerIdentity",
    Version: "2011-06-15",
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `AKIAVERIFYTESTUSER01/${toAmzDate(signedAt).slice(0, 8)}/us-east-1/sts/aws4_request`,
    "X-Amz-Date": toAmzDate(signedAt),
    "X-Amz-Expires": "60",
    "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
    "X-Amz-Signature": "0".repeat(64),
    ...overrides,
  };
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

export function handToken(url: string): string {
  return encodeToken(url);
}

export { fakeIo, type FakeIo } from "../support/fake-io.js";
