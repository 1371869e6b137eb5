/**
 * The AWS SDK prints an eight-line Node-version warning (process.emitWarning) the first time one
 * of its clients is made on Node < 22. It is the SDK's business, not the calling program's: this
 * marks it as already given, through the SDK's own switch, without leaving the switch in the
 * caller's environment. The variable is set and restored within one synchronous call, so no other
 * code ever sees it; the SDK remembers the warning as given for the rest of the process.
 */
import { emitWarningIfUnsupportedVersion } from "@aws-sdk/core/client";

const SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

export function silenceSdkVersionWarning(): void {
  const env = process.env;
  const had = Object.hasOwn(env, SWITCH);
  const before = env[SWITCH];
  env[SWITCH] = "true";
  try {
    emitWarningIfUnsupportedVersion(process.version);
  } finally {
    if (had) env[SWITCH] = before;
    else delete env[SWITCH];
  }
}
