// Runs one command as its child and never lets it outlive the parent: when this process's stdin closes (the
// parent exited, however it died) or it is told to stop, the child gets SIGTERM, then SIGKILL after 3 s.
//
// Usage: spawn(process.execPath, [thisFile, command, ...args], { stdio: ['pipe', ...] }) and keep stdin open.
// Exits with the child's exit code (or 1 when the child was killed by a signal).
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('child-guard: no command given\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  if (child.exitCode !== null || child.signalCode !== null) process.exit(0);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
};
child.once('error', (error) => {
  process.stderr.write(`child-guard: ${command}: ${error.message}\n`);
  process.exit(127);
});
child.once('exit', (code) => process.exit(code ?? 1));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
