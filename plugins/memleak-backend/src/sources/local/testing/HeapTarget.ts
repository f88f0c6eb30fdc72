import { ChildProcess, spawn } from 'node:child_process';
import { createInterface, Interface } from 'node:readline';

/**
 * tracer/test/heap_target.c driven from a test: each command allocates or
 * frees from a named function, and resolves once the target says "ok".
 */
export class HeapTarget {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  readonly exited: Promise<number | null>;

  private constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', line => this.pending.shift()?.(line));
    this.exited = new Promise(resolve =>
      this.child.once('exit', code => resolve(code)),
    );
  }

  /** `binary` may be a launcher that ends by exec'ing the heap target (same pid). */
  static async start(binary: string, args: string[] = []): Promise<HeapTarget> {
    const target = new HeapTarget(binary, args);
    // A launcher that fails (e.g. unshare where mounts cannot be made
    // private) exits without a line: say so now, not at the test's timeout.
    const ready = await Promise.race([
      target.nextLine(),
      target.exited.then(code => {
        throw new Error(
          `${binary} ${args.join(
            ' ',
          )} exited (code ${code}) before the heap target was ready; see its stderr above`,
        );
      }),
    ]);
    if (!ready.startsWith('ready '))
      throw new Error(`heap target said ${ready}`);
    return target;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** e.g. `leak 100 1000`; rejects unless the target acknowledges. */
  async run(command: string): Promise<void> {
    const reply = this.nextLine();
    this.child.stdin!.write(`${command}\n`);
    const line = await reply;
    if (line !== 'ok') throw new Error(`heap target: '${command}' → ${line}`);
  }

  async exit(): Promise<void> {
    this.child.stdin!.end('exit\n');
    await this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private nextLine(): Promise<string> {
    return new Promise(resolve => this.pending.push(resolve));
  }
}
