// The pull-request workflow cannot run here (no GitHub runner): its shape is what we can hold it to, as the release
// workflow's is. What matters: it runs on every pull request with a read-only token, and it runs `.ci/run` (the
// README's CI) where `.ci/run` can work: as root on Debian 12, with git, Node 24 and kubectl in place first.
import { readFileSync, statSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
}

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; container?: string; steps: Step[] }>;
}

describe('pull-request workflow', () => {
  const workflow = parse(read('.github/workflows/ci.yml')) as Workflow;
  const jobs = Object.values(workflow.jobs);
  const job = jobs[0];
  const steps = job?.steps ?? [];
  const index = (match: (s: Step) => boolean) => steps.findIndex(match);
  const ciRun = index((s) => s.run?.trim() === '.ci/run');

  it('runs on every pull request and on pushes to main, with a read-only token', () => {
    expect(workflow.on).to.have.property('pull_request');
    // No branch filter: a pull request into any branch is tested.
    expect(workflow.on.pull_request ?? {}).to.not.have.property('branches');
    expect(workflow.on.push).to.deep.equal({ branches: ['main'] });
    expect(workflow.permissions).to.deep.equal({ contents: 'read' });
  });

  it('runs .ci/run, the whole suite from a fresh clone, as the last step of its one job', () => {
    expect(jobs).to.have.length(1);
    expect(ciRun, 'a step running .ci/run').to.be.at.least(0);
    expect(ciRun).to.equal(steps.length - 1);
    // .ci/run is what the README documents as CI: it exists and is executable.
    expect(read('README.md')).to.contain('`.ci/run`');
    expect(read('.ci/run')).to.match(/^#!\/usr\/bin\/env bash\n/);
    expect(statSync(new URL('.ci/run', root)).mode & 0o111, '.ci/run is executable').to.equal(0o111);
  });

  it("runs where .ci/run's apt-get and the image replay's uid switch work: Debian 12, as root", () => {
    expect(job?.container).to.equal('debian:12');
    // The container's default user is root; a `--user` option would take that away.
    expect(JSON.stringify(job)).to.not.contain('--user');
    expect(read('.ci/run')).to.contain('apt-get install');
  });

  it('has git before the checkout (so HEAD is a real clone), then Node 24 and kubectl before .ci/run', () => {
    const git = index((s) => /apt-get install[^\n]*\bgit\b/.test(s.run ?? ''));
    const checkout = index((s) => s.uses?.startsWith('actions/checkout@') === true);
    const node = index((s) => s.uses?.startsWith('actions/setup-node@') === true);
    const kubectl = index((s) => /install -m 0755 kubectl \/usr\/local\/bin\/kubectl/.test(s.run ?? ''));
    expect(git, 'git installed').to.be.at.least(0);
    expect(checkout).to.be.above(git);
    expect(node).to.be.above(checkout);
    expect(kubectl).to.be.above(checkout);
    expect(ciRun).to.be.above(Math.max(node, kubectl));
    // Node's major is the one the `node` devDependency pins (what the tests and the image run).
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };
    const pinned = lock.packages['node_modules/node']?.version ?? '';
    expect(String(steps[node]?.with?.['node-version'])).to.equal(pinned.split('.')[0]);
    // kubectl by exact version, checked against its published hash before it is installed.
    const fetchKubectl = steps[kubectl]?.run ?? '';
    expect(fetchKubectl).to.match(/dl\.k8s\.io\/release\/v1\.\d+\.\d+\/bin\/linux\/amd64\/kubectl\n/);
    expect(fetchKubectl.indexOf('sha256sum -c')).to.be.within(0, fetchKubectl.indexOf('install -m'));
  });

  it('uses the same major versions of the shared actions as the release workflow', () => {
    const release = parse(read('.github/workflows/release.yml')) as Workflow;
    const used = (w: Workflow) =>
      Object.values(w.jobs)
        .flatMap((j) => j.steps)
        .map((s) => s.uses)
        .filter((u): u is string => u !== undefined);
    const releaseVersions = new Map(used(release).map((u) => u.split('@') as [string, string]));
    for (const action of used(workflow)) {
      const [name = '', version] = action.split('@');
      expect(version, `${action} pinned to a version`).to.match(/^v\d+$/);
      if (releaseVersions.has(name)) expect(version, name).to.equal(releaseVersions.get(name));
    }
  });
});
