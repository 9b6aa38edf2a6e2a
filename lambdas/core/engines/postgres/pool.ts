/**
 * At most `cap` open connections, keyed by database: an idle connection is reused by the next
 * caller for its database, closed when another database needs the room, and closed at once when
 * the caller says it is done with its database. Callers over the cap wait.
 */
export class DatabaseConnectionPool<C extends { close(): Promise<void> }> {
  private readonly idle = new Map<string, C[]>();
  private readonly finished = new Set<string>();
  private readonly waiters: Array<() => void> = [];
  private open = 0;
  /** The most connections open at once, for tests and benchmarks. */
  peak = 0;

  constructor(
    readonly cap: number,
    private readonly connect: (database: string) => Promise<C>,
  ) {}

  private wake(): void {
    this.waiters.shift()?.();
  }

  private takeIdle(except?: string): C | undefined {
    for (const [database, conns] of this.idle) {
      if (database === except) continue;
      const conn = conns.pop();
      if (conns.length === 0) this.idle.delete(database);
      if (conn) return conn;
    }
    return undefined;
  }

  async acquire(database: string): Promise<C> {
    for (;;) {
      const reused = this.idle.get(database)?.pop();
      if (reused) return reused;
      if (this.open < this.cap) break;
      const victim = this.takeIdle(database);
      if (victim) {
        this.open -= 1;
        await victim.close();
        continue;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.open += 1;
    this.peak = Math.max(this.peak, this.open);
    try {
      return await this.connect(database);
    } catch (error) {
      this.open -= 1;
      this.wake();
      throw error;
    }
  }

  /** Gives a connection back: kept for reuse when healthy and its database still has work, else closed. */
  async release(database: string, conn: C, reusable: boolean): Promise<void> {
    if (reusable && !this.finished.has(database)) {
      this.idle.set(database, [...(this.idle.get(database) ?? []), conn]);
    } else {
      this.open -= 1;
      await conn.close();
    }
    this.wake();
  }

  /** No more work in this database: its idle connections are closed now. */
  async doneWith(database: string): Promise<void> {
    this.finished.add(database);
    const conns = this.idle.get(database) ?? [];
    this.idle.delete(database);
    this.open -= conns.length;
    await Promise.all(conns.map((c) => c.close()));
    for (let i = 0; i < conns.length; i++) this.wake();
  }

  async closeAll(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    this.open -= all.length;
    await Promise.all(all.map((c) => c.close()));
  }
}
