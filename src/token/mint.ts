/** Credentials in, token out: presign, encode, and the expiration to report. */
import { EksTokenError } from "../errors.js";
import { encodeToken, MAX_TOKEN_LENGTH } from "./encode.js";
import { tokenExpiration } from "./expiration.js";
import { presignGetCallerIdentity, type SigningCredentials } from "./presign.js";
import type { StsEndpoint } from "./sts-host.js";

export interface MintedToken {
  readonly token: string;
  readonly expiration: Date;
}

export async function mintToken(
  target: { readonly clusterId: string; readonly endpoint: StsEndpoint },
  credentials: SigningCredentials & { readonly expiration?: Date | undefined },
  signingDate: Date,
): Promise<MintedToken> {
  const url = await presignGetCallerIdentity({
    credentials,
    host: target.endpoint.host,
    signingRegion: target.endpoint.signingRegion,
    clusterId: target.clusterId,
    signingDate,
  });
  const token = encodeToken(url);
  // The API server refuses longer tokens, so printing one would only move the failure there.
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new EksTokenError(
      "too-large",
      `the token would be ${token.length} characters, more than the ${MAX_TOKEN_LENGTH} the EKS API server accepts`,
      "a long session token makes a long token; use credentials with a shorter session token",
    );
  }
  return { token, expiration: tokenExpiration(signingDate, credentials.expiration) };
}
