import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

// Workspace packages are bundled from their source, like the tests read them: no build of theirs needed first.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@countersign/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Source maps give the app's source away: only on request (the server then serves them with `webApp.sourceMaps`).
    sourcemap: process.env.COUNTERSIGN_PANEL_SOURCEMAP === '1',
    // One small app in one chunk; most of it is Effect's Schema, which checks forms by the core's own rules.
    chunkSizeWarningLimit: 800,
  },
})
