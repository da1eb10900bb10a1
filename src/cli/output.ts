/** Where CLI commands write: plain lines for people, one JSON document for scripts. */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
  error(text: string): void;
}

export const consoleOutput: Output = {
  line: (text) => process.stdout.write(`${text}\n`),
  json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  error: (text) => process.stderr.write(`${text}\n`),
};

/** A mistake in how the command was called: exit code 2 and the usage text. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function printTable(out: Output, rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cell = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const format = (values: string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  out.line(format(columns));
  for (const row of rows) out.line(format(columns.map((column) => cell(row[column]))));
}
