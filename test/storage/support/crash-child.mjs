// Child process for the crash tests: runs one storage operation in a loop until it is killed (SIGKILL);
// bounded, so that a parent that fails to kill it does not fill the disk.
// argv: <driver module URL> <root directory> <mode: put | upload>. Prints one line per step done.
const [moduleUrl, root, mode] = process.argv.slice(2);
const { FilesystemDriver } = await import(moduleUrl);
const driver = new FilesystemDriver(root);
const MiB = 1024 * 1024;

if (mode === 'put') {
  // Replaces /final again and again, each time with 32 MiB of one byte value: a torn write would mix them.
  for (let i = 0; i < 100; i++) {
    await driver.putContent('/final/data', Buffer.alloc(32 * MiB, i % 256));
    process.stdout.write(`put ${i}\n`);
  }
} else if (mode === 'upload') {
  // An upload that is never committed: the blob would be moved into place only after commit.
  const writer = await driver.writer('/uploads/u1/data');
  for (let i = 0; i < 512; i++) {
    await writer.write(Buffer.alloc(MiB, i % 256));
    process.stdout.write(`chunk ${i}\n`);
  }
  setInterval(() => undefined, 1000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
