// The child's environment: what vault-exec inherited, minus vault-exec's own credentials, plus the
// secrets. Variables that held references are replaced by their resolved values.
import { CREDENTIAL_ENV_NAMES } from '../cli/config';
import type { Env } from '../util/env';
import type { Logger } from '../util/log';
import type { EnvTemplate } from '../cli/secret-references';

export function buildChildEnv(options: {
  inherited: Env;
  secrets: Map<string, string>;
  templates: EnvTemplate[];
  passToken?: string;
  log: Logger;
}): Record<string, string> {
  const { inherited, secrets, templates, passToken, log } = options;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !(CREDENTIAL_ENV_NAMES as readonly string[]).includes(name)) env[name] = value;
  }
  const referenceNames = new Set(templates.map((template) => template.name));
  for (const [name, value] of secrets) {
    if (name in env && !referenceNames.has(name))
      log.info(`secret ${name} overrides the inherited variable of the same name`, {
        event: 'override',
        name,
      });
    env[name] = value;
  }
  if (passToken !== undefined) env.VAULT_TOKEN = passToken;
  return env;
}
