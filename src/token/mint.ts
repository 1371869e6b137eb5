/** Credentials in, token out: presign, encode, and the expiration to report. */
import { encodeToken } from "./encode.js";
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
  return { token: encodeToken(url), expiration: tokenExpiration(signingDate, credentials.expiration) };
}
