/** The logger shape the AWS SDK accepts; declared here so the public types need no SDK package. */
export interface Logger {
  trace?: (...content: unknown[]) => void;
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}
