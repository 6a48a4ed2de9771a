import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Envelope, Event } from './event.js';
import { EventBuilder, type EventRequest } from './event-builder.js';
import { envelopeMediaType, serializeEnvelope } from './envelope.js';

/** Copies of shared/reference/distribution-2.8.2-events (captures of distribution 2.8.2; see its README). */
const referenceDir = fileURLToPath(
  new URL('../../../test/notifications/fixtures/distribution-2.8.2-events', import.meta.url),
);

function referenceScenarios(): [string, Event[]][] {
  return readdirSync(referenceDir)
    .filter((file) => file.endsWith('.json') && file !== 'headers.json')
    .map(
      (file) =>
        [
          file,
          (JSON.parse(readFileSync(`${referenceDir}/${file}`, 'utf8')) as Envelope[]).flatMap(
            (envelope) => envelope.events,
          ),
        ] as [string, Event[]],
    )
    .filter(([, events]) => events.length > 0);
}

function parseTimestamp(timestamp: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(timestamp)!;
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0') || '0');
}

/** Rebuilds a captured event from the inputs the registry would have (ids and times taken from the capture). */
function rebuild(reference: Event): Event {
  const builder = new EventBuilder({
    source: reference.source,
    includeReferences: true,
    clock: () => parseTimestamp(reference.timestamp),
    newId: () => reference.id,
  });
  const request: EventRequest = {
    ...reference.request,
    baseUrl: `http://${reference.request.host}`,
    actor: reference.actor.name,
  };
  const target = reference.target;
  const repository = target.repository;
  const isBlob = target.url?.includes('/blobs/');
  // Blobs go in with their real layer media type: distribution reports application/octet-stream for them.
  const content = {
    digest: target.digest!,
    size: target.size!,
    mediaType: isBlob ? 'application/vnd.oci.image.layer.v1.tar+gzip' : target.mediaType,
  };
  const details = { tag: target.tag, references: target.references };
  switch (reference.action) {
    case 'push':
      return isBlob
        ? builder.blobPushed(request, repository, content)
        : builder.manifestPushed(request, repository, content, details);
    case 'pull':
      return isBlob
        ? builder.blobPulled(request, repository, content)
        : builder.manifestPulled(request, repository, content, details);
    case 'mount':
      return builder.blobMounted(request, repository, content, target.fromRepository);
    case 'delete':
      return target.tag
        ? builder.tagDeleted(request, repository, target.tag)
        : builder.blobDeleted(request, repository, target.digest!);
  }
}

describe('envelopes against distribution 2.8.2 captures', () => {
  const scenarios = referenceScenarios();

  it('has the captures to compare with', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
  });

  it.each(scenarios)('%s: every event matches field by field, in order, byte for byte', (_file, events) => {
    for (const reference of events) {
      const body = serializeEnvelope([rebuild(reference)]);
      expect(body).toBe(JSON.stringify({ events: [reference] }, null, 3));
      expect(JSON.parse(body)).toStrictEqual({ events: [reference] });
    }
  });

  it('has the length distribution sent in the captured delivery (headers.json)', () => {
    const headers = JSON.parse(readFileSync(`${referenceDir}/headers.json`, 'utf8')) as { headers: [string, string][] };
    const contentLength = Number(headers.headers.find(([name]) => name === 'Content-Length')![1]);
    const [, push] = scenarios.find(([file]) => file === 'push.json')!;
    expect(Buffer.byteLength(serializeEnvelope([rebuild(push[0])]))).toBe(contentLength);
    const contentType = headers.headers.find(([name]) => name === 'Content-Type')![1];
    expect(envelopeMediaType('v1')).toBe(contentType);
  });
});

describe('serializeEnvelope', () => {
  const source = { addr: 'vm:5000', instanceID: 'd69bf678-f6e1-45e9-a446-5aec8ea5f570' };
  const request: EventRequest = {
    id: 'r1',
    addr: '127.0.0.1:5',
    host: 'reg:5000',
    method: 'PUT',
    useragent: 'skopeo/1.9.3',
    baseUrl: 'https://reg:5000/',
  };
  const blob = { digest: 'sha256:' + 'a'.repeat(64), size: 10 };

  it('writes three-space indentation and no trailing newline', () => {
    const body = serializeEnvelope([
      new EventBuilder({ source, includeReferences: false }).blobPushed(request, 'a/b', blob),
    ]);
    expect(body.startsWith('{\n   "events": [\n      {\n         "id": "')).toBe(true);
    expect(body.endsWith('\n   ]\n}')).toBe(true);
  });

  it('leaves references out unless includereferences is on', () => {
    const manifest = {
      digest: 'sha256:' + 'b'.repeat(64),
      size: 20,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    };
    const details = { tag: 'v1', references: [blob] };
    const without = new EventBuilder({ source, includeReferences: false }).manifestPushed(
      request,
      'a/b',
      manifest,
      details,
    );
    const withRefs = new EventBuilder({ source, includeReferences: true }).manifestPushed(
      request,
      'a/b',
      manifest,
      details,
    );
    expect(JSON.parse(serializeEnvelope([without])).events[0].target.references).toBeUndefined();
    expect(JSON.parse(serializeEnvelope([withRefs])).events[0].target.references).toEqual([
      { mediaType: 'application/octet-stream', size: 10, digest: blob.digest },
    ]);
  });

  it('builds the digest URL from the base URL without a doubled slash, and names the actor', () => {
    const event = new EventBuilder({ source, includeReferences: false }).blobPulled(
      { ...request, actor: 'alice' },
      'a/b',
      blob,
    );
    const parsed = JSON.parse(serializeEnvelope([event])).events[0];
    expect(parsed.target.url).toBe(`https://reg:5000/v2/a/b/blobs/${blob.digest}`);
    expect(parsed.actor).toEqual({ name: 'alice' });
  });

  it('omits empty optional fields as Go does, keeping request id/method/useragent and an empty actor', () => {
    const event = new EventBuilder({ source: { addr: '', instanceID: 'i' }, includeReferences: true }).blobPushed(
      { ...request, addr: '', useragent: '' },
      'a/b',
      { digest: blob.digest, size: 0 },
    );
    const parsed = JSON.parse(serializeEnvelope([event])).events[0];
    expect(Object.keys(parsed.target)).toEqual(['mediaType', 'digest', 'repository', 'url']);
    expect(parsed.request).toEqual({ id: 'r1', host: 'reg:5000', method: 'PUT', useragent: '' });
    expect(parsed.actor).toEqual({});
    expect(parsed.source).toEqual({ instanceID: 'i' });
  });

  it('escapes strings as Go does', () => {
    const event = new EventBuilder({ source, includeReferences: false }).blobPushed(
      { ...request, useragent: 'a<b>&c\u2028\u0001"\\\n' },
      'a/b',
      blob,
    );
    expect(serializeEnvelope([event])).toContain('"useragent": "a\\u003cb\\u003e\\u0026c\\u2028\\u0001\\"\\\\\\n"');
  });

  it('writes what Go writes for strings where JSON.stringify escapes differently, and the same as JSON.stringify for the rest', () => {
    const agent = (useragent: string) =>
      serializeEnvelope([
        new EventBuilder({ source, includeReferences: false }).blobPushed({ ...request, useragent }, 'a/b', blob),
      ]);
    const line = (useragent: string) => /"useragent": (".*")/.exec(agent(useragent))![1];
    expect(line('tab\there\u0008\u000c\u001f')).toBe('"tab\\there\\u0008\\u000c\\u001f"');
    expect(line('lone \ud800 and pair \ud83d\ude00')).toBe('"lone \ufffd and pair \ud83d\ude00"');
    expect(line('back\\b slash')).toBe('"back\\\\b slash"');
    expect(line('\u2029')).toBe('"\\u2029"');
    const plain = 'skopeo/1.9.3 (linux; amd64) é ü 中';
    const text = agent(plain);
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 3));
  });

  it('gives ids as uuid v4 and distinct per event', () => {
    const builder = new EventBuilder({ source, includeReferences: false });
    const ids = new Set(Array.from({ length: 100 }, () => builder.blobPulled(request, 'a', blob).id));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('selects the v2 media type per endpoint', () => {
    expect(envelopeMediaType('v2')).toBe('application/vnd.docker.distribution.events.v2+json');
  });

  it("carries the references' urls and annotations as distribution 2.8.2 does (annotations sorted, HTML-escaped)", () => {
    // The references of a push captured from distribution 2.8.2 (skopeo pushing an OCI manifest whose layer has
    // annotations, `includereferences: true`), 2026-12-07.
    const captured = `"references": [
               {
                  "mediaType": "application/vnd.oci.image.config.v1+json",
                  "size": 303,
                  "digest": "sha256:4f084f0b089773e8446b0f3e98086fea0a49223e4041e45cf812443d2b72f6cd"
               },
               {
                  "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                  "size": 2071,
                  "digest": "sha256:44738daebd9eba2cafeffc659f508875bf1920c41e17eeff6a38cfe5304e9396",
                  "annotations": {
                     "alpha.key": "a\\u003cb",
                     "zeta.key": "z"
                  }
               }
            ]`;
    const config = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: 303,
      digest: 'sha256:4f084f0b089773e8446b0f3e98086fea0a49223e4041e45cf812443d2b72f6cd',
    };
    const layer = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: 2071,
      digest: 'sha256:44738daebd9eba2cafeffc659f508875bf1920c41e17eeff6a38cfe5304e9396',
      annotations: { 'zeta.key': 'z', 'alpha.key': 'a<b' },
    };
    const manifest = {
      digest: 'sha256:' + 'b'.repeat(64),
      size: 451,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    };
    const event = new EventBuilder({ source, includeReferences: true }).manifestPushed(request, 'cap/img', manifest, {
      tag: 'v1',
      references: [config, layer],
    });
    expect(serializeEnvelope([event])).toContain(captured);

    const external = { ...layer, annotations: undefined, urls: ['https://example.com/layer'] };
    const withUrls = new EventBuilder({ source, includeReferences: true }).manifestPushed(
      request,
      'cap/img',
      manifest,
      { references: [external] },
    );
    expect(JSON.parse(serializeEnvelope([withUrls])).events[0].target.references).toEqual([
      { mediaType: layer.mediaType, size: 2071, digest: layer.digest, urls: ['https://example.com/layer'] },
    ]);
  });
});
