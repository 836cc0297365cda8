// `npm run bundle`: the compiled exporter (dist/, from `npm run build`) as the image ships it, one ES module per
// command path (esbuild, code splitting: `serve` never loads the simulator, audit or remediate code) with its
// dependencies inside, tree-shaken. Why: client-node's index loads every generated API class and model; bundled,
// only what the exporter calls is left, and V8 keeps the source text of every loaded module in the heap. At 10,000
// namespaces this measured about 25 MB less heap (`npm run bench -- --levers`, "one esbuild bundle").
// bcryptjs stays outside: the password verifier's worker thread loads it by path (node_modules/bcryptjs).
// Usage: node --import tsx scripts/bundle.ts [ENTRY [OUTDIR]] (defaults dist/cli/main.js, bundle/cli).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Packages left to node_modules at run time (what the image must copy beside the bundle). */
export const BUNDLE_EXTERNALS = ['bcryptjs'];

export async function bundleExporter(entry: string, outdir: string): Promise<string> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: BUNDLE_EXTERNALS,
    // Whitespace and syntax only: names stay, so stack traces and logged errors read as in the source.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'error',
    // CommonJS dependencies inside an ES module bundle still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
  });
  return path.join(outdir, 'main.js');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry = 'dist/cli/main.js', outdir = 'bundle/cli'] = process.argv.slice(2);
  const main = await bundleExporter(path.resolve(root, entry), path.resolve(root, outdir));
  process.stdout.write(`${path.relative(root, main)}\n`);
}
