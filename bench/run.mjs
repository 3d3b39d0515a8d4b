// `npm run bench`: loads the TypeScript bench through tsx (no build step) and runs it. See bench/main.ts.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
