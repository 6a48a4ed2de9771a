import type { Readable } from 'node:stream';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface BuiltImage {
  manifest: Descriptor & { platform: Platform };
  config: Descriptor;
  layers: Descriptor[];
}

export declare const MEDIA: { manifest: string; index: string; config: string; layer: string };
export declare function randomStream(size: number): Readable;

export declare class OciLayout {
  readonly dir: string;
  constructor(dir: string);
  blobPath(digest: string): string;
  addBytes(bytes: Buffer | string, mediaType: string): Descriptor;
  addJson(value: unknown, mediaType: string): Descriptor;
  addRandomLayer(size: number, name?: string): Promise<{ descriptor: Descriptor; diffId: string }>;
  addImage(options: { layerSizes: number[]; platform?: Platform; label?: string }): Promise<BuiltImage>;
  addIndex(manifests: Descriptor[]): Descriptor;
  tag(descriptor: Descriptor, tag: string): void;
  digestOf(digest: string): string;
}
