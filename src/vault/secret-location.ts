// Where a secret the user named lives in Vault, as the mount lookup answered.

/** The path as the user typed it, the API path to read, and how to unpack the answer. */
export interface SecretLocation {
  typed: string;
  apiPath: string;
  kvVersion: 1 | 2 | undefined;
  engine: string | undefined;
  /** The mount ("secret/") and the path inside it ("static-creds/app"), as the lookup answered. */
  mountPath: string;
  relative: string;
}
