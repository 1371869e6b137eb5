/** Where the AWS shared files are, as the SDK finds them: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws. */
import { join } from "node:path";
import { expandHome, homeDir, type Env } from "../env.js";

export function sharedFilePaths(env: Env): { configPath: string; credentialsPath: string } {
  return {
    configPath: expandHome(env["AWS_CONFIG_FILE"] || join(homeDir(env), ".aws", "config"), env),
    credentialsPath: expandHome(env["AWS_SHARED_CREDENTIALS_FILE"] || join(homeDir(env), ".aws", "credentials"), env),
  };
}
