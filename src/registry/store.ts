// Owns the registry's database access: `endpoints` rows (never the counter columns) and `endpoint_models`.
import { and, eq, inArray } from "drizzle-orm";
import type { AppDatabase } from "../db/client.js";
import { endpointModels, endpoints } from "../db/schema.js";
import type { ListedModel, ModelDiff } from "./model-list.js";

export type EndpointRow = typeof endpoints.$inferSelect;
export type ModelRow = typeof endpointModels.$inferSelect;

/** The columns the registry owns; the counters belong to the recorder (additive updates only). */
export type EndpointFields = Omit<
  EndpointRow,
  "totalRequests" | "successfulRequests" | "failedRequests" | "totalInputTokens" | "totalOutputTokens"
>;

export async function loadEndpoints(db: AppDatabase): Promise<EndpointRow[]> {
  return db.select().from(endpoints).orderBy(endpoints.registeredAt, endpoints.id);
}

export async function loadModels(db: AppDatabase): Promise<ModelRow[]> {
  return db.select().from(endpointModels).orderBy(endpointModels.endpointId, endpointModels.modelId);
}

export async function insertEndpoint(db: AppDatabase, fields: EndpointFields): Promise<void> {
  await db.insert(endpoints).values(fields);
}

export async function updateEndpoint(
  db: AppDatabase,
  id: string,
  changes: Partial<Omit<EndpointFields, "id" | "registeredAt">>,
): Promise<void> {
  await db.update(endpoints).set(changes).where(eq(endpoints.id, id));
}

/** Models cascade with the row. */
export async function deleteEndpoint(db: AppDatabase, id: string): Promise<void> {
  await db.batch([
    db.delete(endpointModels).where(eq(endpointModels.endpointId, id)),
    db.delete(endpoints).where(eq(endpoints.id, id)),
  ]);
}

/** Applies one sync's diff atomically. */
export async function applyModelDiff(
  db: AppDatabase,
  endpointId: string,
  diff: ModelDiff,
  now: number,
): Promise<void> {
  const row = (model: ListedModel) => ({
    endpointId,
    modelId: model.id,
    ownedBy: model.ownedBy,
    metadata: model.metadata,
    addedAt: now,
    updatedAt: now,
  });
  const statements = [
    ...(diff.removed.length > 0
      ? [
          db
            .delete(endpointModels)
            .where(
              and(eq(endpointModels.endpointId, endpointId), inArray(endpointModels.modelId, diff.removed)),
            ),
        ]
      : []),
    ...(diff.added.length > 0 ? [db.insert(endpointModels).values(diff.added.map(row))] : []),
    ...diff.updated.map((model) =>
      db
        .update(endpointModels)
        .set({ ownedBy: model.ownedBy, metadata: model.metadata, updatedAt: now })
        .where(and(eq(endpointModels.endpointId, endpointId), eq(endpointModels.modelId, model.id))),
    ),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
