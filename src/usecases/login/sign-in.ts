/**
 * One sign-in to IAM Identity Center, ending in the token file every AWS tool reads.
 *
 * The flow: authorization code with PKCE for sso-session profiles (as `aws sso login` does since
 * AWS CLI 2.22); device code for legacy profiles, when asked (--use-device-code), and when no
 * browser on this machine can be reached (SSH, Linux without a display): its callback could not
 * come back to 127.0.0.1 there. The client registration comes from eks-token's cache while it has
 * more than 15 minutes left; a registration the service no longer knows (InvalidClientException)
 * is made again, once.
 *
 * The person has `timeoutMs` (300 s by default) on a clock of the sign-in's own; each OIDC call
 * keeps its own bound. Aborting `deps.signal` (Ctrl-C, SIGTERM) stops the wait and closes the
 * listener. Every side effect is a port in SignInDeps.
 */
import type { Env } from "../../env.js";
import { EksTokenError, isEksTokenError } from "../../errors.js";
import { escapeControls, quote } from "../../quote.js";
import { displayUrl } from "../../redact.js";
import type { IniSections } from "../../aws/ini.js";
import type { ProfileSettings } from "../../aws/shared-config.js";
import { DEFAULT_SSO_SCOPES, type SsoConfig } from "../../aws/sso-config.js";
import {
  isSsoOidcError,
  SSO_REDIRECT_URI,
  type SsoOidc,
  type SsoOidcError,
  type SsoOidcOptions,
} from "../../aws/sso-oidc.js";
import type { SsoTokenFile } from "../../aws/sso-token-file.js";
import { startDeadline, type Deadline } from "../../deadline.js";
import type { CallbackListener, ListenOptions } from "./callback-listener.js";
import { newPkce, newState } from "./pkce.js";
import {
  registrationKey,
  usableRegistration,
  type RegistrationStore,
  type StoredRegistration,
} from "./registration-cache.js";

/** How long a person has to sign in, unless told otherwise. */
export const SIGN_IN_TIMEOUT_MS = 300_000;
/** Added to the device-code poll interval on each SlowDownException (the AWS CLI's step). */
export const SLOW_DOWN_STEP_MS = 5_000;

export type SignInFlow = "authorization-code" | "device-code";

export interface SignInInput {
  readonly sso: SsoConfig;
  /** Device code even where the authorization code would be used (--use-device-code). */
  readonly useDeviceCode?: boolean;
  /** Print the address, open nothing (--no-browser). */
  readonly noBrowser?: boolean;
  /** How long the person has; SIGN_IN_TIMEOUT_MS when not given. */
  readonly timeoutMs?: number;
  /** The selected profile's settings and the config file: where the OIDC endpoint is configured. */
  readonly profile?: ProfileSettings;
  readonly configFile?: IniSections;
  /** The command that runs this sign-in again, shell-quoted, for the lines that suggest it. */
  readonly command?: string;
}

export interface SignInResult {
  /** The sso-session's name; undefined for a legacy profile. */
  readonly sessionName: string | undefined;
  readonly startUrl: string;
  /** What names the token file (the session name or the start URL). */
  readonly cacheKey: string;
  readonly tokenFile: string;
  readonly expiresAt: Date;
  /** Whether a refresh token was issued (sso-session sign-ins), so the session outlives the access token. */
  readonly refreshable: boolean;
  readonly flow: SignInFlow;
}

export interface SignInDeps {
  readonly env: Env;
  /** Wall clock, epoch milliseconds: for the times written. */
  now(): number;
  /** A clock that does not jump: for the sign-in's bound. */
  monotonic(): number;
  sleep(ms: number): Promise<void>;
  /** One line for the person (the terminal; the caller decides where that is). */
  say(line: string): Promise<void>;
  createOidc(options: SsoOidcOptions): Promise<SsoOidc>;
  listen(options: ListenOptions): Promise<CallbackListener>;
  /** Whether an opener was started. */
  openBrowser(url: string): Promise<boolean>;
  /** Whether a browser on this machine can be reached (see browser.ts). */
  browserReachable(): boolean;
  readonly registrations: RegistrationStore;
  tokenFilePath(cacheKey: string): string;
  writeTokenFile(path: string, token: SsoTokenFile): void;
  /** Aborted on Ctrl-C or SIGTERM. */
  readonly signal?: AbortSignal;
  /** A --debug line (redacted by the writer). */
  debug(line: string): void;
}

/** Which flow a sign-in uses, and whether the browser is opened. */
export function chooseFlow(
  input: Pick<SignInInput, "sso" | "useDeviceCode" | "noBrowser">,
  browserReachable: boolean,
): { readonly flow: SignInFlow; readonly open: boolean; readonly why: string } {
  if (input.sso.kind === "legacy")
    return { flow: "device-code", open: !input.noBrowser && browserReachable, why: "a legacy profile" };
  if (input.useDeviceCode)
    return { flow: "device-code", open: !input.noBrowser && browserReachable, why: "--use-device-code" };
  if (!browserReachable) return { flow: "device-code", open: false, why: "no browser on this machine can be reached" };
  return { flow: "authorization-code", open: !input.noBrowser, why: "an sso-session profile" };
}

/**
 * Whether a failure of signIn means the sign-in service could not be reached or answered badly
 * (network, time, 5xx, throttling, an oversized answer) rather than that the sign-in itself was
 * not completed (declined, abandoned, stopped).
 */
export function isSignInUnavailable(e: unknown): boolean {
  return isEksTokenError(e) && e.code === "network";
}

export async function signIn(input: SignInInput, deps: SignInDeps): Promise<SignInResult> {
  const { sso } = input;
  const timeoutMs = input.timeoutMs ?? SIGN_IN_TIMEOUT_MS;
  const choice = chooseFlow(input, deps.browserReachable());
  deps.debug(`sign-in: ${choice.flow} (${choice.why}), browser ${choice.open ? "opened" : "not opened"}`);
  const oidc = await deps.createOidc({
    region: sso.region,
    env: deps.env,
    ...(input.profile ? { profile: input.profile } : {}),
    ...(input.configFile ? { configFile: input.configFile } : {}),
  });
  deps.debug(`sign-in: SSO OIDC endpoint ${oidc.endpoint}`);
  const sessionName = sso.kind === "sso-session" ? sso.sessionName : undefined;
  const configuredScopes = sso.kind === "sso-session" ? sso.registrationScopes : undefined;
  // Without sso:account:access no refresh token is issued; legacy profiles have no scopes.
  const scopes = sso.kind === "sso-session" ? (configuredScopes ?? DEFAULT_SSO_SCOPES) : undefined;
  const key = registrationKey({
    startUrl: sso.startUrl,
    region: sso.region,
    scopes,
    sessionName,
    flow: choice.flow,
    endpoint: oidc.endpoint,
  });
  const deadline = startDeadline(timeoutMs, () => deps.monotonic());
  const ctx: FlowContext = { input, deps, oidc, deadline, timeoutMs, open: choice.open, scopes };

  let token: IssuedToken | undefined;
  for (let attempt = 0; token === undefined; attempt++) {
    const registration = await register(ctx, key, choice.flow, sessionName, attempt > 0);
    try {
      const issued =
        choice.flow === "authorization-code"
          ? await authorizationCode(ctx, registration)
          : await deviceCode(ctx, registration);
      token = { ...issued, registration };
    } catch (e) {
      // A registration the service has forgotten: made again, once.
      if (attempt === 0 && isSsoOidcError(e) && e.kind === "invalid-client") {
        deps.debug("sign-in: the client registration was refused (InvalidClientException); registering again");
        deps.registrations.drop(key);
        continue;
      }
      throw failure(e, ctx);
    }
  }
  const expiresAt = new Date(deps.now() + token.expiresInSeconds * 1000);
  const path = deps.tokenFilePath(sso.cacheKey);
  deps.writeTokenFile(path, {
    startUrl: sso.startUrl,
    region: sso.region,
    accessToken: token.accessToken,
    expiresAt,
    clientId: token.registration.clientId,
    clientSecret: token.registration.clientSecret,
    registrationExpiresAt: token.registration.expiresAt,
    ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
  });
  deps.debug(`sign-in: wrote ${path}`);
  return {
    sessionName,
    startUrl: sso.startUrl,
    cacheKey: sso.cacheKey,
    tokenFile: path,
    expiresAt,
    refreshable: token.refreshToken !== undefined,
    flow: choice.flow,
  };
}

interface FlowContext {
  readonly input: SignInInput;
  readonly deps: SignInDeps;
  readonly oidc: SsoOidc;
  readonly deadline: Deadline;
  readonly timeoutMs: number;
  readonly open: boolean;
  readonly scopes: readonly string[] | undefined;
}

interface IssuedToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  readonly refreshToken: string | undefined;
  readonly registration: StoredRegistration;
}

async function register(
  ctx: FlowContext,
  key: string,
  flow: SignInFlow,
  sessionName: string | undefined,
  fresh: boolean,
): Promise<StoredRegistration> {
  const { deps, oidc, input } = ctx;
  const cached = fresh ? undefined : usableRegistration(deps.registrations.get(key), deps.now());
  if (cached) {
    deps.debug(`sign-in: reusing the client registration (until ${cached.expiresAt.toISOString()})`);
    return cached;
  }
  const clientName = sessionName ? `eks-token-${sessionName}` : "eks-token";
  const registration = await abortable(
    ctx,
    oidc
      .registerClient({
        clientName,
        ...(ctx.scopes ? { scopes: ctx.scopes } : {}),
        ...(flow === "authorization-code"
          ? {
              grantTypes: ["authorization_code", "refresh_token"],
              redirectUris: [SSO_REDIRECT_URI],
              issuerUrl: input.sso.startUrl,
            }
          : {}),
      })
      .catch((e: unknown) => {
        throw failure(e, ctx);
      }),
  );
  deps.debug(`sign-in: registered a client (until ${registration.expiresAt.toISOString()})`);
  deps.registrations.put(key, registration);
  return registration;
}

function sessionLabel(sso: SsoConfig): string {
  return sso.kind === "sso-session"
    ? `the AWS IAM Identity Center session ${quote(sso.sessionName)}`
    : `AWS IAM Identity Center (${displayUrl(sso.startUrl)})`;
}

/** "5 min", "90 s": how long, as a person reads it. */
function minutes(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}

async function authorizationCode(
  ctx: FlowContext,
  registration: StoredRegistration,
): Promise<Omit<IssuedToken, "registration">> {
  const { deps, oidc, input } = ctx;
  const pkce = newPkce();
  const state = newState();
  // Each kind of stray request is told once: a page could send many.
  const told = new Set<string>();
  const listener = await deps.listen({
    state,
    onIgnored: (why) => {
      if (told.has(why)) return;
      told.add(why);
      void deps.say(`eks-token: ignored ${why} on the sign-in's local address`);
    },
  });
  try {
    const url = oidc.authorizeUrl({
      clientId: registration.clientId,
      redirectUri: listener.redirectUri,
      state,
      codeChallenge: pkce.challenge,
      scopes: ctx.scopes ?? DEFAULT_SSO_SCOPES,
    });
    deps.debug(`sign-in: listening on ${listener.redirectUri}`);
    const wait = minutes(ctx.deadline.remainingMs());
    await deps.say(
      `eks-token: signing in to ${sessionLabel(input.sso)}${ctx.open ? " in your browser" : ""}; waiting up to ${wait} (Ctrl-C to stop).`,
    );
    const opened = ctx.open ? await deps.openBrowser(url) : false;
    await deps.say(
      `eks-token: ${opened ? "if no browser opened, open" : "open"} this address in a browser on this machine: ${escapeControls(url)}`,
    );
    if (input.command)
      await deps.say(`eks-token: browser on another machine? run \`${input.command} --use-device-code\` instead.`);
    const result = await waitFor(ctx, listener.result);
    if ("error" in result) {
      throw new EksTokenError(
        "sign-in",
        result.error === "access_denied"
          ? "the sign-in was declined in the browser"
          : `the sign-in page answered ${quote(result.error)}${result.description ? ` (${quote(result.description)})` : ""}`,
        rerun(input, "to try again"),
      );
    }
    deps.debug("sign-in: callback received; exchanging the code");
    return await abortable(
      ctx,
      oidc.createToken({
        grantType: "authorization_code",
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        code: result.code,
        redirectUri: listener.redirectUri,
        codeVerifier: pkce.verifier,
      }),
    );
  } finally {
    await listener.close();
  }
}

async function deviceCode(
  ctx: FlowContext,
  registration: StoredRegistration,
): Promise<Omit<IssuedToken, "registration">> {
  const { deps, oidc, input } = ctx;
  const auth = await abortable(
    ctx,
    oidc.startDeviceAuthorization({
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      startUrl: input.sso.startUrl,
    }),
  );
  const poll = () =>
    oidc.createToken({
      grantType: "device_code",
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      deviceCode: auth.deviceCode,
    });
  // The code's own lifetime bounds the wait too.
  const codeDeadline = startDeadline(Math.min(ctx.deadline.remainingMs(), auth.expiresInSeconds * 1000), () =>
    deps.monotonic(),
  );
  const page = auth.verificationUriComplete ?? auth.verificationUri;
  let intervalMs = auth.intervalSeconds * 1000;
  // The first poll comes before anything is shown: the client may be authorized already (as the AWS CLI does).
  for (let shown = false; ; shown = true) {
    try {
      const token = await tryToken(ctx, poll);
      if (token) return token;
    } catch (e) {
      if (!(isSsoOidcError(e) && e.kind === "slow-down")) throw e;
      intervalMs += SLOW_DOWN_STEP_MS;
      deps.debug(`sign-in: asked to slow down; polling every ${intervalMs / 1000} s`);
    }
    if (!shown) {
      const wait = minutes(codeDeadline.remainingMs());
      await deps.say(
        `eks-token: to sign in to ${sessionLabel(input.sso)}, open ${escapeControls(auth.verificationUri)} and confirm the code ${escapeControls(auth.userCode)} (waiting up to ${wait}; Ctrl-C to stop).`,
      );
      const opened = ctx.open ? await deps.openBrowser(page) : false;
      if (!opened && auth.verificationUriComplete)
        await deps.say(`eks-token: or open this address, which has the code in it: ${escapeControls(page)}`);
    }
    const left = Math.min(ctx.deadline.remainingMs(), codeDeadline.remainingMs());
    if (left <= 0) throw notInTime(ctx);
    await waitFor(ctx, deps.sleep(Math.min(intervalMs, left)));
    if (Math.min(ctx.deadline.remainingMs(), codeDeadline.remainingMs()) <= 0) throw notInTime(ctx);
  }
}

/** One CreateToken poll: the token, or undefined while the person has not confirmed yet. */
async function tryToken(
  ctx: FlowContext,
  poll: () => Promise<{ accessToken: string; expiresInSeconds: number; refreshToken: string | undefined }>,
): Promise<Omit<IssuedToken, "registration"> | undefined> {
  try {
    return await abortable(ctx, poll());
  } catch (e) {
    if (isSsoOidcError(e) && e.kind === "authorization-pending") return undefined;
    if (isSsoOidcError(e) && e.kind === "access-denied")
      throw new EksTokenError("sign-in", "the sign-in was declined in the browser", rerun(ctx.input, "to try again"));
    if (isSsoOidcError(e) && e.kind === "expired-token")
      throw new EksTokenError(
        "sign-in",
        "the device code expired before it was confirmed",
        rerun(ctx.input, "and confirm the code within its time"),
      );
    throw e;
  }
}

function rerun(input: SignInInput, why: string): string {
  return input.command ? `run \`${input.command}\` ${why}` : `sign in again ${why}`;
}

function notInTime(ctx: FlowContext): EksTokenError {
  return new EksTokenError(
    "sign-in",
    `the sign-in was not completed within ${minutes(ctx.timeoutMs)}`,
    ctx.input.command
      ? `run \`${ctx.input.command}\` again (--timeout SECONDS gives more time)`
      : "sign in again (EKS_TOKEN_SSO_LOGIN_TIMEOUT gives more time)",
  );
}

function interrupted(ctx: FlowContext): EksTokenError {
  return new EksTokenError("interrupted", "the sign-in was stopped", rerun(ctx.input, "to sign in"));
}

/** Races work against Ctrl-C only (an OIDC call has its own bound). */
function abortable<T>(ctx: FlowContext, work: Promise<T>): Promise<T> {
  const signal = ctx.deps.signal;
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(interrupted(ctx));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interrupted(ctx));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Races work against the person's bound and Ctrl-C. */
function waitFor<T>(ctx: FlowContext, work: Promise<T>): Promise<T> {
  return abortable(
    ctx,
    ctx.deadline.race(work, () => notInTime(ctx)),
  );
}

/** Any failure as the one error the caller shows: an OIDC failure says whether the service could be reached. */
function failure(e: unknown, ctx: FlowContext): unknown {
  if (!isSsoOidcError(e)) return e;
  const err: SsoOidcError = e;
  switch (err.kind) {
    case "unreachable":
    case "timeout":
    case "server":
    case "throttled":
    case "too-large":
      return new EksTokenError(
        "network",
        `cannot sign in to AWS IAM Identity Center: ${err.message}`,
        `check the network path to ${ctx.oidc.endpoint} (proxy, firewall, AWS_ENDPOINT_URL_SSO_OIDC) and try again`,
        { cause: err },
      );
    case "invalid-client":
      return new EksTokenError(
        "sign-in",
        "AWS IAM Identity Center refused the client registration twice",
        rerun(ctx.input, "later"),
        { cause: err },
      );
    default:
      return new EksTokenError("sign-in", `the sign-in failed: ${err.message}`, rerun(ctx.input, "to try again"), {
        cause: err,
      });
  }
}
