/**
 * Variables Bun acts on inside the native executable before eks-token's code runs, and that no
 * build option turns off. BUN_OPTIONS is made inert by the build (scripts/compile-binary.mjs) and
 * BUN_BE_BUN=1 keeps this code from running at all (README, "What the native executable reads").
 * These ones let it start, so it refuses to go on:
 *   BUN_INSPECT             opens a debugger that any local program can attach to and read the
 *                           credentials through
 *   BUN_INSPECT_CONNECT_TO  attaches to a debugger listening there
 *   BUN_INSPECT_PRELOAD     has already run a file (named relative to the current directory)
 */
const REFUSED = ["BUN_INSPECT", "BUN_INSPECT_CONNECT_TO", "BUN_INSPECT_PRELOAD"] as const;

/** The line to refuse with, or undefined. Only under Bun: Node never reads these. */
export function bunVariablesRefusal(env: NodeJS.ProcessEnv, underBun: boolean): string | undefined {
  if (!underBun) return undefined;
  const set = REFUSED.filter((name) => (env[name] ?? "") !== "");
  if (set.length === 0) return undefined;
  return (
    `eks-token: ${set.join(", ")} ${set.length === 1 ? "is" : "are"} set, which makes the native executable ` +
    "open a debugger or run a file before it starts: unset " +
    `${set.length === 1 ? "it" : "them"} for eks-token (env -u ${set.join(" -u ")} eks-token ...), or use the npm package under Node\n`
  );
}
