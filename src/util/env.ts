// The environment as vault-exec reads it: always the injected one (run's deps), never process.env.
export type Env = Record<string, string | undefined>;
