/**
 * The AWS SDK's credential providers: the one door to the SDK on the token path, loaded only
 * when a miss needs more than environment keys (a separate module of the build, see build.mjs).
 * Every SDK client they make gets the bounded handler (./http-handler.ts).
 */
export { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
export { boundedRequestHandler, CREDENTIALS_MAX_BODY_BYTES } from "./http-handler.js";
