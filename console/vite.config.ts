import { defineConfig } from "vite";

// The gateway serves the built console from inside its package, so an installed gateway finds it
// (relative to this folder, which is Vite's root).
const outDir = "../services/console/static/console";

export default defineConfig({
  base: "/console/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    // No inline script in the page: the gateway's Content-Security-Policy allows only its own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
