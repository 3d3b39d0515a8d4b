import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Built by `npm run build` (vite build web) into web/dist, served by llmlb at /dashboard/.
export default defineConfig({
  root: import.meta.dirname,
  base: "/dashboard/",
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
});
