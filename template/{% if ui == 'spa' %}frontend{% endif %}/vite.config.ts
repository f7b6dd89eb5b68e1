/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `make dev` serves the API on :8000; `make frontend-dev` serves this app on :5173 and
// forwards /api, /auth (sign-in) and the icon there. In production the API serves the built app from frontend/dist.
const api = process.env.API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: { "/api": api, "/auth": api, "/favicon.svg": api },
  },
  // React and MUI make one chunk of about 500 kB minified (160 kB gzipped): expected, not a leak.
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
