// `npm run stack` without Prometheus installed: the user is told what to install, and nothing is started.
// (The running stack itself is the pipeline that pipeline.test.ts proves, started by the same scripts/prometheus.ts.)
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { NODE, ROOT } from '../helpers/exporter.ts';

describe('npm run stack', () => {
  it('exits 1 and names the packages to install when prometheus is not on PATH', async () => {
    // Only Node's own directory on PATH: no prometheus, no prometheus-alertmanager.
    const child = spawn(NODE, ['--import', 'tsx', join(ROOT, 'scripts/stack.ts')], {
      cwd: ROOT,
      env: { ...process.env, PATH: dirname(NODE) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    // 'close', not 'exit': the message must be read to its end.
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).to.equal(1);
    expect(stderr).to.contain('prometheus and prometheus-alertmanager are not on PATH');
    expect(stderr).to.contain('apt-get install prometheus prometheus-alertmanager');
  });
});
