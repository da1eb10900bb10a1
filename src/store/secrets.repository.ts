import type { Db } from "./db.js";

/** A server-wide signing key created by the migrations (see server_secrets). */
export async function loadServerSecret(db: Db, name: string): Promise<Buffer> {
  const { rows } = await db.query<{ secret: Buffer }>(`SELECT secret FROM server_secrets WHERE name = $1`, [name]);
  const row = rows[0];
  if (!row) throw new Error(`server secret ${name} is missing: run the migrations`);
  return Buffer.from(row.secret);
}
