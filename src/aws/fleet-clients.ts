/**
 * The AWS calls of `eks-token kubeconfig sync`, through the SDK's own clients: the IAM Identity
 * Center portal (accounts, roles, role credentials), EKS (ListClusters, DescribeCluster, one
 * client per account and region so no retry quota is shared), the Account API (ListRegions) and
 * GetCallerIdentity for profiles. Every client honours AWS_ENDPOINT_URL_<SERVICE>. A module of
 * its own in the builds: only a sync loads it.
 */
import { AccountClient, ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeClusterCommand, EKSClient, ListClustersCommand } from "@aws-sdk/client-eks";
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  SSOClient,
} from "@aws-sdk/client-sso";
import type { Env } from "../env.js";
import type { Logger } from "../logger.js";
import { getCallerIdentity } from "./caller-identity.js";
import { resolveCredentials } from "./credentials.js";
import { noTerminalMfaCodeProvider } from "./mfa-prompt.js";
import { resolveTarget } from "./target.js";
import type { AwsCredentials as Credentials } from "./credential-types.js";
import { boundedRequestHandler, CREDENTIALS_MAX_BODY_BYTES, EKS_MAX_BODY_BYTES } from "./http-handler.js";

export interface FleetClientDeps {
  readonly env: Env;
  readonly logger: Logger;
  readonly now: () => number;
}

// Each attempt is bounded in time and size; the caller's signal (10 s per call, the run's deadline) ends the rest.
const handler = (maxBodyBytes: number) => boundedRequestHandler({ maxBodyBytes, requestTimeoutMs: 10_000 });

const present = <T>(v: T | undefined): v is T => v !== undefined;

export function fleetClients(deps: FleetClientDeps) {
  // One handler (and so one pool of kept-alive connections) for every EKS client, and one for the
  // Account clients: the accounts of a region share its endpoint, and a TLS handshake per client
  // would cost more than the call. Retry quotas stay per client.
  const eksHandler = handler(EKS_MAX_BODY_BYTES);
  const accountHandler = handler(CREDENTIALS_MAX_BODY_BYTES);
  const portals = new Map<string, SSOClient>();
  const portalOf = (region: string) => {
    let c = portals.get(region);
    if (!c) {
      // One attempt: the caller paces the portal and retries throttles itself.
      c = new SSOClient({
        region,
        maxAttempts: 1,
        requestHandler: handler(CREDENTIALS_MAX_BODY_BYTES),
        logger: deps.logger,
      });
      portals.set(region, c);
    }
    return c;
  };
  return {
    portal(region: string) {
      const client = portalOf(region);
      return {
        async listAccounts(accessToken: string, nextToken: string | undefined, signal: AbortSignal) {
          const out = await client.send(new ListAccountsCommand({ accessToken, nextToken, maxResults: 100 }), {
            abortSignal: signal,
          });
          return {
            items: (out.accountList ?? [])
              .filter((a) => a.accountId !== undefined)
              .map((a) => ({ accountId: a.accountId!, accountName: a.accountName ?? a.accountId! })),
            nextToken: out.nextToken || undefined,
          };
        },
        async listAccountRoles(
          accessToken: string,
          accountId: string,
          nextToken: string | undefined,
          signal: AbortSignal,
        ) {
          const out = await client.send(
            new ListAccountRolesCommand({ accessToken, accountId, nextToken, maxResults: 100 }),
            { abortSignal: signal },
          );
          return {
            items: (out.roleList ?? []).map((r) => r.roleName).filter(present),
            nextToken: out.nextToken || undefined,
          };
        },
        async getRoleCredentials(accessToken: string, accountId: string, roleName: string, signal: AbortSignal) {
          const out = await client.send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }), {
            abortSignal: signal,
          });
          const c = out.roleCredentials;
          if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken) {
            throw Object.assign(new Error("the portal returned incomplete role credentials"), {
              name: "InvalidResponse",
            });
          }
          return {
            accessKeyId: c.accessKeyId,
            secretAccessKey: c.secretAccessKey,
            sessionToken: c.sessionToken,
            ...(c.expiration !== undefined ? { expiration: new Date(c.expiration) } : {}),
          };
        },
      };
    },

    eks(credentials: Credentials, region: string) {
      const client = new EKSClient({
        region,
        credentials,
        maxAttempts: 3,
        requestHandler: eksHandler,
        logger: deps.logger,
      });
      return {
        async listClusters(nextToken: string | undefined, signal: AbortSignal) {
          const out = await client.send(new ListClustersCommand({ nextToken, maxResults: 100 }), {
            abortSignal: signal,
          });
          return { items: out.clusters ?? [], nextToken: out.nextToken || undefined };
        },
        async describeCluster(name: string, signal: AbortSignal) {
          const out = await client.send(new DescribeClusterCommand({ name }), { abortSignal: signal });
          const c = out.cluster;
          if (!c?.arn || !c.name) {
            throw Object.assign(new Error(`DescribeCluster ${name} gave no ARN`), { name: "InvalidResponse" });
          }
          return {
            name: c.name,
            arn: c.arn,
            status: c.status ?? "UNKNOWN",
            endpoint: c.endpoint,
            caData: c.certificateAuthority?.data,
            outpostId: c.outpostConfig ? c.id : undefined,
            connected: c.connectorConfig !== undefined,
            authenticationMode: c.accessConfig?.authenticationMode,
          };
        },
      };
    },

    async listRegions(credentials: Credentials, signal: AbortSignal): Promise<string[]> {
      const client = new AccountClient({
        region: "us-east-1",
        credentials,
        maxAttempts: 2,
        requestHandler: accountHandler,
        logger: deps.logger,
      });
      const regions: string[] = [];
      // No destroy(): it would close the handler every Account client shares.
      let next: string | undefined;
      do {
        const page = await client.send(
          new ListRegionsCommand({
            MaxResults: 50,
            NextToken: next,
            RegionOptStatusContains: ["ENABLED", "ENABLED_BY_DEFAULT"],
          }),
          { abortSignal: signal },
        );
        regions.push(...(page.Regions ?? []).map((r) => r.RegionName).filter(present));
        // There are a few dozen regions: a token given again is an endpoint that would never end.
        if (page.NextToken && page.NextToken === next) throw new Error("ListRegions gave the same page token twice");
        next = page.NextToken || undefined;
      } while (next !== undefined);
      return regions.sort();
    },

    async profileCredentials(profile: string, _signal: AbortSignal): Promise<Credentials> {
      const target = await resolveTarget({ clusterId: "kubeconfig-sync", profile, region: "us-east-1" }, deps.env);
      return resolveCredentials(target, {
        env: deps.env,
        logger: deps.logger,
        now: deps.now,
        mfaCodeProvider: noTerminalMfaCodeProvider(),
      });
    },

    async callerIdentity(credentials: Credentials, _signal: AbortSignal): Promise<{ account: string; arn: string }> {
      const target = await resolveTarget({ clusterId: "kubeconfig-sync", region: "us-east-1" }, deps.env);
      const id = await getCallerIdentity(target, credentials, deps.env);
      return { account: id.account, arn: id.arn };
    },
  };
}
