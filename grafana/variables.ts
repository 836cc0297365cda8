// How Grafana expands this dashboard's variables when "All" is selected (the default): tests use it to parse every
// query as plain PromQL and to run it against a real Prometheus.
const allValues: Record<string, string> = {
  // Grafana's own interval variables: any valid duration will do outside Grafana.
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  // allValue of each query variable (cluster `.*` also matches series without the label).
  cluster: '.*',
  job: '.+',
  instance: '.+',
};

/** Replaces `$name` and `${name}` with the value Grafana would use; throws on a variable it does not know. */
export function expandVariables(expr: string, overrides: Record<string, string> = {}): string {
  const values = { ...allValues, ...overrides };
  return expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const value = values[name];
      if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
      return value;
    },
  );
}
