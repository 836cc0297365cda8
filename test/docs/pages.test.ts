// The hand-written pages are held to the code they describe: the README stays a short front door, and each page names
// what its registry, rules file or parser holds, so adding a source, an alert or a web-config option without
// documenting it fails here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { POLICY_SOURCES } from '../../src/core/sources/index.ts';
import { CLIENT_AUTH_TYPES, parseWebConfig } from '../../src/http/web-config-file.ts';
import { docPages, fences, prose, readPage, repoRoot } from '../helpers/markdown.ts';

const readme = readPage('README.md');

/** The rows of a Markdown table whose first cell is `first`. */
function rowsStartingWith(text: string, first: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`| ${first} |`));
}

describe('docs: README', () => {
  it('is under 15 KB', () => {
    expect(Buffer.byteLength(readme.text)).to.be.below(15_000);
  });

  it('starts with the two quick-start commands', () => {
    const first = fences(readme.text).find((f) => f.lang === 'sh');
    expect(first?.body).to.match(/^npm ci && npm run demo +#[^\n]*\nnpm ci && npm test +#[^\n]*\n$/);
  });

  it('draws the path from the API server to Prometheus and beyond, in order', () => {
    const diagram = fences(readme.text).find((f) => f.lang === 'text')?.body ?? '';
    const steps = [
      'Kubernetes API server',
      'src/watch',
      'src/core',
      'src/exposition',
      'src/http',
      'Prometheus',
    ];
    const at = steps.map((s) => diagram.indexOf(s));
    expect(at, steps.join(' -> ')).to.not.include(-1);
    expect([...at].sort((a, b) => a - b)).to.deep.equal(at);
    for (const end of ['Alertmanager', 'Grafana', 'audit', 'remediate']) expect(diagram).to.contain(end);
  });

  it('names every folder of src/ in its layout', () => {
    const layout = prose(readme.text).split('## Layout')[1]?.split('\n## ')[0] ?? '';
    for (const folder of readdirSync(join(repoRoot, 'src'), { withFileTypes: true }))
      if (folder.isDirectory()) expect(layout, `src/${folder.name}`).to.contain(`\`src/${folder.name}\``);
  });

  it('says how to get the command from a clone and from the package this repository builds', () => {
    const text = prose(readme.text);
    expect(readme.text).to.match(/^node bin\/netpol-exporter\.js --kubeconfig /m);
    expect(text).to.contain('`npm pack`');
    expect(text).to.match(/`npm install -g \.\/netpol-exporter-\d+\.\d+\.\d+\.tgz`/);
  });

  it('says, beside `kubectl apply -k deploy/base`, the image to build and the API server address to set', () => {
    const fence = fences(readme.text).find((f) => f.body.includes('kubectl apply -k deploy/base'));
    const body = fence?.body ?? '';
    expect(body, 'an image you built and pushed').to.match(/no image is published[^\n]*build and push/i);
    expect(body, "the API server's address in the exporter's own egress policy").to.match(
      /API server's address[^\n]*egress policy/,
    );
    expect(body.indexOf('kubectl apply -k deploy/base')).to.be.above(body.indexOf('egress policy'));
  });

  it('links every docs page', () => {
    const pages = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md'));
    expect(pages).to.have.length.above(10);
    for (const page of [...pages, 'runbooks/README.md'])
      expect(readme.text, `docs/${page}`).to.contain(`(docs/${page})`);
  });
});

describe('docs: every command shown runs what this repository built', () => {
  // The package is not on the public registry: outside a clone `npx netpol-exporter` (or `npm exec` without --no)
  // fetches whatever is published under that name and runs it with the user's kubeconfig.
  for (const page of [...docPages(), readPage('packages/kube-sim/README.md')])
    it(`${page.path}: no npx netpol-exporter, no npm exec that may fetch it`, () => {
      expect(page.text).to.not.match(/\bnpx\s+(-\S+\s+)*netpol-exporter\b/);
      for (const m of page.text.matchAll(/\bnpm exec\b[^\n`]*netpol-exporter/g))
        expect(m[0]).to.match(/ --no\b/);
    });
});

describe('docs: pages say no issue numbers', () => {
  for (const page of docPages())
    it(page.path, () => {
      expect(page.text).to.not.match(/\bissue #?\d+/i);
    });
});

describe('docs/sources.md', () => {
  const sources = readPage('docs/sources.md').text;
  for (const s of POLICY_SOURCES)
    it(`names the source ${s.id} with its kind ${s.group}/${s.version} ${s.kind}`, () => {
      const rows = rowsStartingWith(sources, `\`${s.id}\``);
      expect(rows, s.id).to.have.length(1);
      expect(rows[0]).to.contain(`| ${s.group}/${s.version} ${s.kind}`);
    });
});

/** The keys parseWebConfig accepts where `path` leads, as its own error for an unknown key lists them. */
function supportedKeys(path: string[]): string[] | undefined {
  const probe = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), { netpol_docs_probe: 1 });
  try {
    parseWebConfig(JSON.stringify(probe), '/');
  } catch (err) {
    const listed = /unknown key "netpol_docs_probe" in .*\(supported: ([^)]*)\)/.exec((err as Error).message);
    if (listed) return listed[1]?.split(', ');
  }
  return undefined;
}

describe('docs/security.md', () => {
  const security = readPage('docs/security.md').text;

  it('documents every key the web config accepts, at every level', () => {
    const top = supportedKeys([]);
    expect(top, 'the web config parser lists its keys').to.be.an('array').that.is.not.empty;
    const keys = [...(top ?? [])];
    for (const key of top ?? []) keys.push(...(supportedKeys([key]) ?? []));
    for (const key of keys) expect(security, key).to.contain(`\`${key}\``);
  });

  it('documents every client_auth_type', () => {
    const example = fences(security).find((f) => f.body.startsWith('# web.yml'))?.body ?? '';
    for (const type of CLIENT_AUTH_TYPES) expect(example, type).to.contain(type);
  });

  it('its web.yml example is a valid web config whose hash matches the password it names', () => {
    const example = fences(security).find((f) => f.body.startsWith('# web.yml'))?.body ?? '';
    const c = parseWebConfig(example, '/etc/netpol-exporter');
    expect(c.tls?.clientAuthType).to.equal('RequireAndVerifyClientCert');
    expect(bcrypt.compareSync('change-me', c.users.get('prometheus') ?? '')).to.equal(true);
  });
});

interface Rule {
  alert?: string;
  record?: string;
  labels?: { severity?: string };
}

describe('docs/alerts.md', () => {
  const alerts = readPage('docs/alerts.md').text;
  const runbooks = readPage('docs/runbooks/README.md').text;
  const groups = (
    parse(readPage('deploy/rules/netpol-exporter.rules.yaml').text) as { groups: { rules: Rule[] }[] }
  ).groups;
  const rules = groups.flatMap((g) => g.rules);

  for (const rule of rules.filter((r) => r.alert)) {
    const name = rule.alert ?? '';
    it(`lists ${name} with its severity and its runbook`, () => {
      const rows = rowsStartingWith(alerts, `\`${name}\``);
      expect(rows, name).to.have.length(1);
      expect(rows[0]).to.contain(`| ${rule.labels?.severity} |`);
      expect(rows[0]).to.contain(`(runbooks/${name.toLowerCase()}.md)`);
      expect(runbooks, `docs/runbooks/README.md lists ${name}`).to.contain(`(${name.toLowerCase()}.md)`);
    });
  }

  it('names every recording rule', () => {
    for (const rule of rules.filter((r) => r.record)) expect(alerts).to.contain(`\`${rule.record}\``);
  });
});

describe('docs/audit-and-remediation.md', () => {
  it('links the JSON schema of the report', () => {
    expect(readPage('docs/audit-and-remediation.md').text).to.contain('(coverage-report.schema.json)');
  });
});
