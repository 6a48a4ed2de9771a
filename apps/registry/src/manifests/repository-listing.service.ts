import { Injectable } from '@nestjs/common';
import { PathNotFoundError, StorageDriver } from '@app/storage';
import { isRepositoryName } from '@app/oci';
import { RegistryError } from '../errors/index.js';
import { Paths } from '../storage/index.js';
import { paginate, type Page } from './pagination.js';
import { TagStore } from './tag-store.js';

/** distribution's catalog page size when `n` is absent, and the largest `n` it accepts (catalog.maxentries). */
export const CATALOG_DEFAULT_ENTRIES = 100;
export const CATALOG_MAX_ENTRIES = 1000;

/**
 * Tags list and catalog. A repository is a directory under `repositories/` holding `_manifests` or
 * `_layers`; repositories nest (`a/b` and `a/b/c` may both exist), and `_`-prefixed directories are never
 * names. Lists are in lexical order, paged by `n` and `last`.
 */
@Injectable()
export class RepositoryListing {
  constructor(
    private readonly driver: StorageDriver,
    private readonly tags: TagStore,
  ) {}

  /** A page of the repository's tags (all when `n` is undefined); NAME_UNKNOWN when there is no such repository. */
  async listTags(repository: string, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    if (!(await this.exists(repository))) throw new RegistryError('NAME_UNKNOWN', undefined, { name: repository });
    if (n === 0) return { entries: [] };
    return paginate(await this.tags.list(repository), n, last);
  }

  /** A page of repository names (CATALOG_DEFAULT_ENTRIES when `n` is undefined). */
  async catalog(n: number | undefined, last: string | undefined): Promise<Page<string>> {
    const size = n ?? CATALOG_DEFAULT_ENTRIES;
    if (size === 0) return { entries: [] };
    const names: string[] = [];
    await this.walk(Paths.repositoriesRoot(), '', names);
    return paginate(names.sort(), size, last);
  }

  async exists(repository: string): Promise<boolean> {
    const children = await this.children(Paths.repository(repository));
    return children.includes('_manifests') || children.includes('_layers');
  }

  private async walk(dir: string, prefix: string, names: string[]): Promise<void> {
    const children = await this.children(dir);
    if (prefix && (children.includes('_manifests') || children.includes('_layers')) && isRepositoryName(prefix))
      names.push(prefix);
    for (const child of children) {
      if (child.startsWith('_')) continue;
      await this.walk(`${dir}/${child}`, prefix ? `${prefix}/${child}` : child, names);
    }
  }

  private async children(dir: string): Promise<string[]> {
    try {
      return (await this.driver.list(dir)).map((path) => path.slice(path.lastIndexOf('/') + 1));
    } catch (error) {
      if (error instanceof PathNotFoundError) return [];
      throw error;
    }
  }
}
