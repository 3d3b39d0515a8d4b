import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Built by `npm run build` (vite build web) into web/dist, served by llmlb at /dashboard/. Production builds
// carry no source maps (they would publish the dashboard's sources); `vite build --mode development` does.
export default defineConfig(({ mode }) => ({
  root: import.meta.dirname,
  base: "/dashboard/",
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: mode === "development" },
}));
