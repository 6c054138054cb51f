// The GitHub Action's entry (action.yml `main`). It only loads the bundle: dist/ is never committed
// on a branch, and `node scripts/release-action.mjs` puts it in the release tag's own commit (see the
// README, "The GitHub Action"). A ref without it gets one clear line instead of a stack trace.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'action.cjs');
if (existsSync(bundle)) require(bundle);
else {
  process.stdout.write(
    '::error title=vault-exec::this ref of vault-exec has no built action (dist/action.cjs): use a release tag such as vault-exec@v1, or run npm ci && npm run build in the checkout first\n',
  );
  process.exitCode = 1;
}
