// Preloaded (`--import`) into a command under test: the process sends itself SIGTERM right after its first write to
// stdout, the earliest moment a supervisor waiting for its output could. Without a handler by then, it dies of it.
const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
let sent = false;
process.stdout.write = ((...args: unknown[]) => {
  const written = write(...args);
  if (!sent) {
    sent = true;
    process.kill(process.pid, 'SIGTERM');
  }
  return written;
}) as typeof process.stdout.write;
