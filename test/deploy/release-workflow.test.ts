// The release workflow cannot run here (no Docker engine, no registry): its shape is what we can hold it to.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}

describe('release workflow', () => {
  const workflow = parse(read('.github/workflows/release.yml')) as {
    on: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[] }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));

  it('runs on version tags only, with the least permissions that push a package', () => {
    expect(workflow.on.push.tags).to.deep.equal(['v*.*.*']);
    expect(workflow.permissions).to.deep.equal({ contents: 'read', packages: 'write' });
  });

  it('refuses a tag that is not the version in package.json', () => {
    expect(steps.some((s) => s.run?.includes('require("./package.json").version'))).to.equal(true);
  });

  it('builds the Dockerfile for amd64 and arm64 and pushes it, labelled with version, revision and date', () => {
    expect(build?.with).to.include({
      context: '.',
      file: 'Dockerfile',
      platforms: 'linux/amd64,linux/arm64',
    });
    expect(String(build?.with?.push)).to.equal('true');
    for (const arg of ['VERSION=', 'REVISION=', 'CREATED='])
      expect(build?.with?.['build-args']).to.contain(arg);
    // The Dockerfile declares each build argument the workflow passes.
    const dockerfile = read('Dockerfile');
    for (const arg of ['VERSION', 'REVISION', 'CREATED'])
      expect(dockerfile).to.match(new RegExp(`^ARG ${arg}\\b`, 'm'));
  });

  it('pushes to the registry and name deploy/base pulls, and tags the image with the bare version', () => {
    const meta = steps.find((s) => s.uses?.startsWith('docker/metadata-action@'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template
    expect(meta?.with?.images).to.equal('ghcr.io/${{ github.repository_owner }}/netpol-exporter');
    expect(meta?.with?.tags).to.contain('type=semver,pattern={{version}}');
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    expect(read('deploy/base/deployment.yaml')).to.contain(
      `image: ghcr.io/netpol-exporter/netpol-exporter:${version}`,
    );
  });
});
