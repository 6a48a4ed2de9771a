import { Injectable } from '@nestjs/common';
import { EventBuilder } from '@app/events';
import { AppLogger } from '@app/logging';
import {
  RepositoryDecorator,
  type BlobService,
  type ManifestService,
  type UploadService,
} from '../repository/index.js';
import { EventSink } from './event-sink.js';
import {
  ListeningBlobService,
  ListeningManifestService,
  ListeningUploadService,
  Notifier,
} from './listening-services.js';

/** The notifications area's RepositoryDecorator: wraps each repository service in its listening decorator. */
@Injectable()
export class RepositoryListener extends RepositoryDecorator {
  private readonly notifier: Notifier;

  constructor(events: EventBuilder, sink: EventSink, logger: AppLogger) {
    super();
    this.notifier = new Notifier(events, sink, logger);
  }

  override blobs(inner: BlobService): BlobService {
    return new ListeningBlobService(inner, this.notifier);
  }

  override uploads(inner: UploadService): UploadService {
    return new ListeningUploadService(inner, this.notifier);
  }

  override manifests(inner: ManifestService): ManifestService {
    return new ListeningManifestService(inner, this.notifier);
  }
}
