// Expected failures: each carries its exit code and a one-line message saying what failed, where,
// and what to do next. Messages never contain a secret value, token or secret_id; callers build
// them from names, paths and addresses only.
import { EXIT } from './exit-codes';

/**
 * User input or server data inside a message, with control characters escaped (\n, \r, \u0007...), so
 * that a message is always one line whatever was typed or stored (a newline in a flag value, say).
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (character) => JSON.stringify(character).slice(1, -1));
}

/** Why a file could not be read, for a message: "no such file", "permission denied", or Node's code. */
export function describeReadFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EACCES'
      ? 'permission denied'
      : (code ?? 'unreadable');
}

/** The same, in double quotes, for a value shown as typed. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

export class VaultExecError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends VaultExecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.usage, options);
  }
}

export class VaultUnavailableError extends VaultExecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.vaultUnavailable, options);
  }
}

export class AuthError extends VaultExecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.permissionDenied, options);
  }
}

export class SecretNotFoundError extends VaultExecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.secretNotFound, options);
  }
}
