/**
 * The only user of the SigV4 signer: presigns `GET /?Action=GetCallerIdentity` for one cluster
 * (docs/contract.md, "Token format"). Loaded only on a cache miss.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { CLUSTER_ID_HEADER } from "./encode.js";

/** Old servers accept only 0-60; the server's own window is 15 minutes from X-Amz-Date anyway. */
export const PRESIGN_EXPIRES_SECONDS = 60;

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface PresignInput {
  readonly credentials: SigningCredentials;
  readonly host: string;
  readonly signingRegion: string;
  readonly clusterId: string;
  readonly signingDate: Date;
}

// The AWS CLI's parameter order, so our URLs match `aws eks get-token` byte for byte.
const QUERY_ORDER = [
  "Action",
  "Version",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
] as const;

export async function presignGetCallerIdentity(input: PresignInput): Promise<string> {
  const { credentials, host, signingRegion, clusterId, signingDate } = input;
  const signer = new SignatureV4({
    service: "sts",
    region: signingRegion,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname: host,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host, [CLUSTER_ID_HEADER]: clusterId },
  });
  const signed = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
  return `https://${host}/?${formatQuery(signed.query ?? {})}`;
}

function formatQuery(query: Record<string, string | string[] | null>): string {
  const keys = Object.keys(query);
  const ordered = [
    ...QUERY_ORDER.filter((k) => k in query),
    ...keys.filter((k) => !(QUERY_ORDER as readonly string[]).includes(k)).sort(),
  ];
  return ordered
    .map((key) => {
      const value = query[key];
      if (typeof value !== "string") throw new Error(`unexpected query value for ${key}`);
      return `${uriEscape(key)}=${uriEscape(value)}`;
    })
    .join("&");
}

/** RFC 3986 escaping as SigV4 requires: encodeURIComponent leaves !'()* alone. */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
