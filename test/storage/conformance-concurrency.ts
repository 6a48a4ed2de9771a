import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PathNotFoundError } from '@app/storage';
import type { DriverGetter } from './driver-conformance.js';
import { collect, filled, hashStream, isFilled, sha256 } from './conformance-support.js';

const MiB = 1024 * 1024;
const A = { byte: 0x61, size: MiB };
const B = { byte: 0x62, size: 2 * MiB + 17 };

function whole(content: Buffer): boolean {
  return isFilled(content, A.byte, A.size) || isFilled(content, B.byte, B.size);
}

export function concurrencyConformance(driver: DriverGetter): void {
  describe('atomicity and concurrency', () => {
    it('putContent is atomic: concurrent readers see the old or the new content, never a mix', async () => {
      await driver().putContent('/link', filled(A.byte, A.size));
      let writing = true;
      let seen = 0;
      const writes = (async () => {
        for (let i = 0; i < 40; i++) {
          const next = i % 2 === 0 ? B : A;
          await driver().putContent('/link', filled(next.byte, next.size));
        }
        writing = false;
      })();
      const readers = Array.from({ length: 3 }, async (_, n) => {
        while (writing) {
          const content = n === 0 ? await driver().getContent('/link') : await collect(await driver().reader('/link'));
          expect(whole(content), `reader ${n} saw ${content.length} bytes`).toBe(true);
          seen++;
        }
      });
      await Promise.all([writes, ...readers]);
      expect(seen).toBeGreaterThan(3);
      expect(isFilled(await driver().getContent('/link'), A.byte, A.size)).toBe(true);
    });

    it('concurrent putContent of one path leaves one of the contents whole', async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          driver().putContent('/same', i % 2 === 0 ? filled(A.byte, A.size) : filled(B.byte, B.size)),
        ),
      );
      expect(whole(await driver().getContent('/same'))).toBe(true);
    });

    it('two clients push the same blob at once: both moves succeed and the blob is intact', async () => {
      const blob = randomBytes(4 * MiB + 5);
      const digest = sha256(blob);
      for (let round = 0; round < 6; round++) {
        const destination = `/blobs/sha256/${digest.slice(0, 2)}/${digest}/data`;
        const writers = [
          await driver().writer(`/uploads/one-${round}/data`),
          await driver().writer(`/uploads/two-${round}/data`),
        ];
        for (let offset = 0; offset < blob.length; offset += 256 * 1024) {
          const piece = blob.subarray(offset, offset + 256 * 1024);
          // Interleaved, and in a different order each round.
          await Promise.all((round % 2 === 0 ? writers : [...writers].reverse()).map((writer) => writer.write(piece)));
        }
        await Promise.all(writers.map((writer) => writer.commit()));
        const moves = await Promise.allSettled([
          driver().move(`/uploads/one-${round}/data`, destination),
          driver().move(`/uploads/two-${round}/data`, destination),
        ]);
        expect(moves.map((move) => move.status)).toEqual(['fulfilled', 'fulfilled']);
        expect(await hashStream(await driver().reader(destination))).toEqual({ sha256: digest, size: blob.length });
        if (round % 3 === 2) await driver().delete(`/blobs/sha256/${digest.slice(0, 2)}`);
      }
    });

    it('writers in the same new directory do not trip over each other creating it', async () => {
      const paths = Array.from({ length: 12 }, (_, i) => `/fresh/dir/tree/file${i}`);
      await Promise.all(
        paths.map(async (path, i) => {
          const writer = await driver().writer(path);
          await writer.write(Buffer.from(path));
          if (i % 2 === 0) await writer.commit();
          else
            await driver()
              .putContent(`${path}.link`, Buffer.from('x'))
              .then(() => writer.commit());
        }),
      );
      for (const path of paths) expect((await driver().getContent(path)).toString()).toBe(path);
    });

    it('an abandoned writer (never committed) leaves no file at the final path, and its upload resumes', async () => {
      const blob = randomBytes(3 * MiB);
      const upload = '/repositories/r/_uploads/u1/data';
      const final = `/blobs/sha256/aa/${sha256(blob)}/data`;
      const abandoned = await driver().writer(upload);
      await abandoned.write(blob.subarray(0, MiB));
      await abandoned.write(blob.subarray(MiB, 2 * MiB));
      // The client goes away: no commit and no close, the writer is simply dropped.
      await expect(driver().stat(final)).rejects.toBeInstanceOf(PathNotFoundError);
      const resumed = await driver().writer(upload, true);
      expect(resumed.size).toBe(2 * MiB);
      await resumed.write(blob.subarray(2 * MiB));
      await resumed.commit();
      await driver().move(upload, final);
      expect((await driver().getContent(final)).equals(blob)).toBe(true);
    });
  });
}
