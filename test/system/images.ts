import { join } from 'node:path';
import { tempDir } from '@app/testing';
import { OciLayout, RegistryClient, skopeo, type BuiltImage, type RegistryProcess } from '../support/index.js';

/** What one push of a fresh image makes: a blob `push` per layer and for the config, then the manifest `push`. */
export const eventsPerPush = (layers: number): number => layers + 2;

/**
 * Small distinct images built offline in one OCI layout (tags `img-0`, `img-1`, ...), pushed with real
 * skopeo. Each image's layers are random, so every push uploads new blobs and makes `eventsPerPush` events.
 */
export class ImageSet {
  readonly images: BuiltImage[] = [];
  private readonly dir = tempDir('system-images-');
  private readonly layout = new OciLayout(join(this.dir.path, 'layout'));

  static async build(count: number, layerSizes = [2048]): Promise<ImageSet> {
    const set = new ImageSet();
    try {
      for (let index = 0; index < count; index++) {
        const image = await set.layout.addImage({ layerSizes, label: `img-${index}` });
        set.layout.tag(image.manifest, `img-${index}`);
        set.images.push(image);
      }
    } catch (error) {
      set.remove();
      throw error;
    }
    return set;
  }

  get eventsPerPush(): number {
    return eventsPerPush(this.images[0]?.layers.length ?? 0);
  }

  /** `skopeo copy` of image `index` to `<repo>:img-<index>`; returns the wall time in ms (rejects when skopeo fails). */
  async push(registry: RegistryProcess, index: number, repo = 'system/app'): Promise<number> {
    const started = performance.now();
    await skopeo.copy(`oci:${this.layout.dir}:img-${index}`, `docker://${registry.host}/${repo}:img-${index}`);
    return performance.now() - started;
  }

  remove(): void {
    this.dir.remove();
  }
}

/** `n` HEAD requests of a manifest by tag (each a `pull` event); returns how many answered 200. */
export async function headPulls(registry: RegistryProcess, repo: string, tag: string, n: number): Promise<number> {
  const client = new RegistryClient(registry.url);
  let ok = 0;
  for (let index = 0; index < n; index++) {
    const response = await client.head(`/v2/${repo}/manifests/${tag}`, {
      accept: 'application/vnd.oci.image.manifest.v1+json',
    });
    if (response.status === 200) ok += 1;
  }
  return ok;
}
