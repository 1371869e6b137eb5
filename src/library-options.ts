/**
 * The library's options checked before anything runs: a value of the wrong type, or a signing date
 * that is not a time SigV4 can write, is an EksTokenError with a code, never a TypeError from deep
 * inside. Messages name the option and the type seen, never the value (it may be a secret).
 */
import { EksTokenError } from "./errors.js";

/** X-Amz-Date has a four-digit year, and AWS refuses dates before the epoch. */
const FIRST_SIGNING_MS = Date.UTC(1970, 0, 1);
const LAST_SIGNING_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

const STRINGS = ["region", "profile", "roleArn", "sessionName", "externalId", "apiVersion"] as const;
const FUNCTIONS = ["mfaCodeProvider"] as const;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function wrongType(name: string, wanted: string, value: unknown): EksTokenError {
  return new EksTokenError(
    "usage",
    `option ${name} must be ${wanted}, not ${typeName(value)}`,
    "see the library's types",
  );
}

export function checkLibraryOptions(options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new EksTokenError(
      "usage",
      `createToken needs an options object, not ${typeName(options)}`,
      "pass { clusterId }",
    );
  }
  const o = options as Record<string, unknown>;
  if (typeof o.clusterId !== "string") {
    throw new EksTokenError("usage", "createToken needs options.clusterId", "pass the cluster's name");
  }
  for (const name of STRINGS) {
    if (o[name] !== undefined && typeof o[name] !== "string") throw wrongType(name, "a string", o[name]);
  }
  for (const name of FUNCTIONS) {
    if (o[name] !== undefined && typeof o[name] !== "function") throw wrongType(name, "a function", o[name]);
  }
  if (o.forwardSessionName !== undefined && typeof o.forwardSessionName !== "boolean")
    throw wrongType("forwardSessionName", "a boolean", o.forwardSessionName);
  if (o.env !== undefined && (typeof o.env !== "object" || o.env === null || Array.isArray(o.env)))
    throw wrongType("env", "an object of strings", o.env);
  if (o.env !== undefined) {
    for (const [key, value] of Object.entries(o.env as object)) {
      if (value !== undefined && typeof value !== "string") throw wrongType(`env.${key}`, "a string", value);
    }
  }
  if (
    o.credentials !== undefined &&
    typeof o.credentials !== "function" &&
    (typeof o.credentials !== "object" || o.credentials === null)
  )
    throw wrongType("credentials", "credentials or a function that returns them", o.credentials);
  if (o.logger !== undefined) {
    const logger = o.logger as Record<string, unknown> | null;
    if (typeof logger !== "object" || logger === null)
      throw wrongType("logger", "an object with debug, info, warn and error", logger);
    for (const level of ["debug", "info", "warn", "error"]) {
      if (typeof logger[level] !== "function") throw wrongType(`logger.${level}`, "a function", logger[level]);
    }
  }
  if (o.signingDate !== undefined) checkSigningDate(o.signingDate);
}

function checkSigningDate(value: unknown): void {
  if (!(value instanceof Date)) throw wrongType("signingDate", "a Date", value);
  const ms = value.getTime();
  if (Number.isNaN(ms)) {
    throw new EksTokenError(
      "invalid-input",
      "option signingDate is an invalid Date",
      "pass a valid Date, or none for now",
    );
  }
  if (ms < FIRST_SIGNING_MS || ms > LAST_SIGNING_MS) {
    throw new EksTokenError(
      "invalid-input",
      `option signingDate ${value.toISOString()} is outside the years 1970 to 9999 a signature can carry`,
      "pass a Date within them, or none for now",
    );
  }
}
