/** Static credentials, or a provider such as the SDK's (structurally the SDK's own types). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}
export type CredentialsProvider = () => Promise<AwsCredentials>;
export type CredentialsInput = AwsCredentials | CredentialsProvider;
