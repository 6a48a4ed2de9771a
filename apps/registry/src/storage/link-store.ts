import { Injectable } from '@nestjs/common';
import { PathNotFoundError, StorageDriver } from '@app/storage';

/**
 * Links (distribution's "link" files): a small file holding a digest, whose presence makes a blob,
 * a manifest revision or a tag visible in a repository. Reading a link that is absent gives undefined.
 */
@Injectable()
export class LinkStore {
  constructor(private readonly driver: StorageDriver) {}

  async read(path: string): Promise<string | undefined> {
    try {
      return (await this.driver.getContent(path)).toString('utf8').trim();
    } catch (error) {
      if (error instanceof PathNotFoundError) return undefined;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.read(path)) !== undefined;
  }

  write(path: string, digest: string): Promise<void> {
    return this.driver.putContent(path, Buffer.from(digest));
  }

  /** Removes the link (or the directory holding it); true when something was removed. */
  async remove(path: string): Promise<boolean> {
    try {
      await this.driver.delete(path);
      return true;
    } catch (error) {
      if (error instanceof PathNotFoundError) return false;
      throw error;
    }
  }

  /** Names of the children of a directory; [] when absent. */
  async children(path: string): Promise<string[]> {
    try {
      return (await this.driver.list(path)).map((child) => child.slice(child.lastIndexOf('/') + 1));
    } catch (error) {
      if (error instanceof PathNotFoundError) return [];
      throw error;
    }
  }
}
