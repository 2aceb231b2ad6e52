// Builds the dashboard into dist/: index.html plus content-hashed files under dist/assets/,
// which the bridge serves at / (bridge/api/web.py). Nothing is loaded from elsewhere at run time.
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs: every file is a file the CSP allows from 'self'
    modulePreload: { polyfill: false }, // no inline code
    target: 'es2022',
  },
  server: {
    // `npm run dev` against a running bridge (default port 8080)
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
})
