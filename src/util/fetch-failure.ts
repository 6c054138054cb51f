// Why a fetch() got no answer, in a few words for a log line: the same for every endpoint we fetch
// (AWS's, GitHub's OIDC token service), and the same under node and Bun, the standalone binary.

/** `timeoutMs`: the AbortSignal.timeout the request was given, named when it fired. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if ((error as Error | undefined)?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  // node (undici) puts the socket's error on `cause`, or one per address tried in cause.errors; Bun
  // puts its code on the error itself.
  const failure = error as
    { code?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } } | undefined;
  const cause = typeof failure === 'object' ? failure?.cause : undefined;
  const code =
    cause?.code ??
    cause?.errors?.[0]?.code ??
    (typeof failure === 'object' ? failure?.code : undefined) ??
    cause?.message ??
    'unknown error';
  return `request failed (${code})`;
}
