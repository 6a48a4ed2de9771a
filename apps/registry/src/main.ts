import 'reflect-metadata';

/**
 * The registry's entry point: `main.js [serve] [CONFIG]` serves; `main.js garbage-collect CONFIG [--dry-run]
 * [--delete-untagged]` collects offline and exits. Each command loads only its own modules, so the offline
 * collector starts without the server's.
 */
if (process.argv[2] === 'garbage-collect') {
  const { runGarbageCollect } = await import('./gc/gc-command.js');
  process.exit(await runGarbageCollect(process.argv.slice(3)));
} else {
  const { serve } = await import('./serve.js');
  serve();
}
