// A stand-in for a team's real Node service: it reads its configuration from plain environment
// variables, knows nothing about Vault, and proves on /health that its secrets arrived without
// revealing them (names and lengths only).
const http = require('node:http');

const REQUIRED = ['DATABASE_URL', 'DB_USERNAME', 'DB_PASSWORD', 'JWT_SECRET'];
const port = Number(process.env.PORT ?? 3000);
// Loopback by default; a container sets HOST=0.0.0.0 so the published port reaches it.
const host = process.env.HOST ?? '127.0.0.1';

function health() {
  const secrets = Object.fromEntries(
    REQUIRED.map((name) => [
      name,
      process.env[name] ? { present: true, length: process.env[name].length } : { present: false },
    ]),
  );
  const missing = REQUIRED.filter((name) => !process.env[name]);
  return {
    status: missing.length === 0 ? 'ok' : 'missing-configuration',
    missing,
    secrets,
    envNames: Object.keys(process.env).sort(),
  };
}

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    const body = health();
    response.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
    response.end(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  response.writeHead(404).end();
});

server.listen(port, host, () =>
  console.log(`example server listening on http://${host}:${port} (GET /health)`),
);

// Shut down cleanly on the signals vault-exec forwards, so the exit code is 0, not 143.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`example server: ${signal} received, closing`);
    server.close(() => process.exit(0));
  });
}
