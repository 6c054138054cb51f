// `--format json`: one JSON object on one line, `{"NAME":"value",...}`: any name and any value, for
// `jq` or a program.
export function formatJson(values: ReadonlyMap<string, string>): string {
  return `${JSON.stringify(Object.fromEntries(values))}\n`;
}
