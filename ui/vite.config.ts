/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The app runs inside Tauri's webview under a strict Content Security Policy
// (no inline scripts or styles), so every asset is emitted as a file.
export default defineConfig({
  base: "./",
  clearScreen: false,
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2021",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
