// The type of the one drizzle-orm/libsql export its own declarations leave out: `construct`, what
// `drizzle(client, config)` of drizzle-orm/libsql calls (src/db/client.ts says why llmlb calls it directly).

declare module "drizzle-orm/libsql/driver-core" {
  import type { Client } from "@libsql/client";
  import type { DrizzleConfig } from "drizzle-orm";
  import type { LibSQLDatabase } from "drizzle-orm/libsql";

  export { LibSQLDatabase };
  export function construct<TSchema extends Record<string, unknown> = Record<string, never>>(
    client: Client,
    config?: DrizzleConfig<TSchema>,
  ): LibSQLDatabase<TSchema> & { $client: Client };
}
