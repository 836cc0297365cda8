// Where the runbooks are published: the namespace page and the audit's SARIF rules link each finding to its page.
export const RUNBOOKS = 'https://github.com/netpol-exporter/netpol-exporter/blob/main/docs/runbooks/';
