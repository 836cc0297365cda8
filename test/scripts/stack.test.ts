// `npm run stack`: without Prometheus installed the user is told what to install and nothing starts; with it, every
// link and command it prints works with the Debian packages the README names, and Ctrl-C stops every process.
// (What the stack computes is the pipeline that test/system/pipeline.test.ts proves, with the same scripts/prometheus.ts.)
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { exitOf, NODE, ROOT } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';

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

  it('prints links that open and an amtool command that lists the alerts; SIGINT stops every process', async function () {
    this.timeout(300_000);
    const child = spawn(NODE, ['--import', 'tsx', join(ROOT, 'scripts/stack.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    try {
      await eventually(() => {
        if (child.exitCode !== null) throw new Error(`the stack exited: ${out}`);
        if (!out.includes('Press Ctrl-C to stop everything.')) throw new Error(`not up yet: ${out}`);
      }, 150_000);
      const stackText = out.slice(out.indexOf('The stack is up'));
      const links = [...stackText.matchAll(/https?:\/\/127\.0\.0\.1:\d+\S*/g)].map((m) => m[0]);
      expect(links.length, stackText).to.be.at.least(5);
      // Every link shows something: Debian's Alertmanager answers its root page with 200 and a note that it
      // ships no web UI, which is not worth a click.
      for (const link of links) {
        const res = await fetch(link);
        expect(res.status, link).to.equal(200);
        expect(await res.text(), link).to.not.match(/does not include a web\s+application/);
      }
      const amtool = /amtool (--alertmanager\.url=\S+) alert/.exec(stackText);
      expect(amtool, stackText).to.not.equal(null);
      // The alerts fire within the stack's short `for:`; amtool lists them by name.
      await eventually(
        async () => {
          const { stdout } = await promisify(execFile)('amtool', [amtool?.[1] ?? '', 'alert']);
          expect(stdout).to.contain('NetpolNamespaceUncovered');
        },
        60_000,
        1000,
      );
    } finally {
      child.kill('SIGINT');
      await exitOf(child);
    }
    const pids = [...out.matchAll(/(?:Prometheus|Alertmanager|demo) PID (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).to.have.length(3);
    for (const pid of pids) expect(() => process.kill(pid, 0), `PID ${pid} still runs`).to.throw();
  });
});
