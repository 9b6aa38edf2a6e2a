import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../lambdas/core/errors.ts';

/**
 * A file for secrets, written atomically with mode 0600: a temporary file beside the target is
 * created first (so an unwritable place fails before any password changes), then renamed over it.
 */
export class SecretFile {
  private constructor(
    private readonly path: string,
    private readonly tmpPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async prepare(path: string): Promise<SecretFile> {
    const tmpPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      return new SecretFile(path, tmpPath, await open(tmpPath, 'wx', 0o600));
    } catch (error) {
      throw new UsageError(`--output: cannot write to ${dirname(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  async commit(content: string): Promise<void> {
    try {
      await this.handle.chmod(0o600);
      await this.handle.writeFile(content, 'utf8');
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tmpPath, this.path);
    } catch (error) {
      await this.handle.close().catch(() => undefined);
      await rm(this.tmpPath, { force: true });
      throw error;
    }
  }
}
