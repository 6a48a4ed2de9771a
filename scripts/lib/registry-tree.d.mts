export interface TreeBlob {
  digest: string;
  size: number;
  mediaType: string;
}

export declare class TreeBuilder {
  readonly root: string;
  readonly v2: string;
  constructor(root: string);
  blob(content: string, mediaType?: string): TreeBlob;
  link(repo: string, kind: string, digest: string): void;
  image(repo: string, label: string, layers: TreeBlob[], tag?: string): TreeBlob[];
}
