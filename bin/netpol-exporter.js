#!/usr/bin/env node
// Entry point. @kubernetes/client-node 2.x needs Node >= 22.19; on an older system Node (these machines have 20)
// re-run under the Node 24 that `npm ci` installs from the npm `node` package, else say what to do.
// It runs dist/ (what `npm ci` compiles in a clone) when there is one, else bundle/cli/: the installed package ships
// only the bundle (scripts/bundle.ts), with the simulator and every dependency but bcryptjs inside.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bundled)) {
    const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  } else {
    console.error(
      `netpol-exporter needs Node.js >= 22.19 (found ${process.version}); run it with Node 22 or 24.`,
    );
    process.exit(2);
  }
} else {
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  await import(existsSync(compiled) ? compiled.href : new URL('../bundle/cli/main.js', import.meta.url).href);
}
