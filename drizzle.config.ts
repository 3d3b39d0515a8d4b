// drizzle-kit configuration: the schema lives in src/db/schema.ts, generated migrations in drizzle/.
// `npx drizzle-kit migrate` applies them to LLMLB_DATABASE_URL (the out-of-band path used for Workers).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "turso",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
  dbCredentials: {
    url: process.env.LLMLB_DATABASE_URL ?? "file:./data/llmlb.db",
    authToken: process.env.LLMLB_DATABASE_AUTH_TOKEN,
  },
});
