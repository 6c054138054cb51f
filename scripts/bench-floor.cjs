// The bench's floor: the least a Node entrypoint can do for vault-exec's container start with a token,
// in plain Node: the same four requests (health, token lookup, mount lookup, read), then the child with
// the secret in its environment, and its exit code as ours. No retries, renewals or messages.
// Usage: VAULT_ADDR=… VAULT_TOKEN=… node bench-floor.cjs NAME=mount/path#key -- command…
const http = require('node:http');
const { spawn } = require('node:child_process');

const [mapping, , ...command] = process.argv.slice(2);
const [, name, typed, key] = /^(\w+)=([^#]+)#(.+)$/.exec(mapping);
const agent = new http.Agent({ keepAlive: true });

function get(path) {
  return new Promise((resolve, reject) => {
    const headers = { 'X-Vault-Token': process.env.VAULT_TOKEN, 'X-Vault-Request': 'true' };
    const request = http.get(`${process.env.VAULT_ADDR}/v1/${path}`, { agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks)) }));
    });
    request.on('error', reject);
  });
}

async function main() {
  if ((await get('sys/health?standbyok=true')).status !== 200) throw new Error('Vault is not ready');
  const token = await get('auth/token/lookup-self');
  if (token.status !== 200) throw new Error('token rejected');
  const mount = (await get(`sys/internal/ui/mounts/${typed}`)).body.data;
  const relative = typed.slice(mount.path.length);
  const apiPath = mount.options?.version === '2' ? `${mount.path}data/${relative}` : typed;
  const read = await get(apiPath);
  const data = mount.options?.version === '2' ? read.body.data.data : read.body.data;
  agent.destroy();
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, [name]: String(data[key]) },
  });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + require('node:os').constants.signals[signal]),
  );
}

main().catch((error) => {
  console.error(`bench-floor: ${error.message}`);
  process.exit(69);
});
