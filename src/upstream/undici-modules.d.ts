// Types for the two undici modules the Node client loads instead of the package's index (see
// undici-client.ts for why). The types are undici's own, re-exported under the modules' paths.

declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";

  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module "undici/lib/core/errors.js" {
  import type { errors } from "undici";

  const undiciErrors: typeof errors;
  export default undiciErrors;
}
