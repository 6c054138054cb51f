// The GitHub Action's inputs, translated into one `vault-exec env --format github` run. Inputs become
// env twins (the options table's rows with an `actionInput`) rather than flags, so the same entry works
// with any vault-exec that reads those twins.
import { OPTIONS, type OptionSpec } from '../cli/options';
import { UsageError, quote } from '../util/errors';

type InputRow = Extract<OptionSpec, { actionInput: string }>;

/** Each input and the env twin it becomes; action.yml declares exactly these (a unit test checks it). */
export const ACTION_INPUTS = {
  ...(Object.fromEntries(
    OPTIONS.filter((row): row is InputRow => 'actionInput' in row).map((row) => [row.actionInput, row.env]),
  ) as { [Row in InputRow as Row['actionInput']]: Row['env'] }),
  // Read by the entry itself, not passed on:
  secrets: undefined,
  'export-env': undefined,
} as const;

export type ActionInput = keyof typeof ACTION_INPUTS;

export interface ActionRun {
  /** The arguments after `vault-exec`. */
  args: string[];
  /** The environment vault-exec runs with: the step's, plus the translated inputs. */
  env: Record<string, string>;
}

/**
 * Turns the inputs, as the runner passes them, into the run. The runner passes an input named
 * `export-env` as the variable `INPUT_EXPORT-ENV`: upper-cased, dashes kept.
 */
export function translateInputs(stepEnv: Record<string, string | undefined>): ActionRun {
  const input = (name: ActionInput): string => stepEnv[`INPUT_${name.toUpperCase()}`]?.trim() ?? '';
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(stepEnv)) {
    // Inputs are ours to translate; the child must not see them (secret-id and token among them).
    if (value !== undefined && !name.startsWith('INPUT_')) env[name] = value;
  }
  // The inputs are the step's whole configuration: never the workspace's vault-exec.yaml.
  env.VAULT_EXEC_CONFIG = 'none';
  for (const [name, twin] of Object.entries(ACTION_INPUTS)) {
    const value = input(name as ActionInput);
    if (twin !== undefined && value !== '') env[twin] = value;
  }

  const args = ['env', '--format', 'github'];
  for (const line of input('secrets').split(/\r?\n/)) {
    const mapping = line.trim();
    if (mapping === '' || mapping.startsWith('#')) continue;
    args.push('--secret', mapping);
  }
  if (args.length === 3) throw new UsageError('the secrets input is empty: give one NAME=PATH#KEY per line');

  const exportEnv = input('export-env').toLowerCase() || 'true';
  if (exportEnv !== 'true' && exportEnv !== 'false')
    throw new UsageError(`invalid export-env input ${quote(exportEnv)}: use true or false`);
  if (exportEnv === 'false') {
    // Step outputs use the same file syntax as $GITHUB_ENV, so the values go to $GITHUB_OUTPUT instead.
    const outputFile = stepEnv.GITHUB_OUTPUT?.trim();
    if (!outputFile) throw new UsageError('export-env is false but GITHUB_OUTPUT is not set');
    env.GITHUB_ENV = outputFile;
  }
  return { args, env };
}
