// One-shot commands (audit, remediate) end with an exit code once their output is out: a pipe to `tee` or a CI log
// must not lose the tail, and an idle keep-alive connection to the API server must not hold the process open.
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(code);
}
