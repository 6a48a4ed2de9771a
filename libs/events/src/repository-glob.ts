/**
 * Repository name globs for endpoint filters: `*` and `?` stay within one path segment, `**` spans segments
 * (`team/**` matches everything under team/, `**\/cache` matches `cache` at any depth, `**` matches all).
 */
export function compileRepositoryGlob(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === '*' && glob[index + 1] === '*') {
      const slashAfter = glob[index + 2] === '/';
      source += slashAfter ? '(?:[^/]+/)*' : '.*';
      index += slashAfter ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** True when `repository` matches any of the globs. */
export function matchesAnyGlob(globs: readonly RegExp[], repository: string): boolean {
  return globs.some((glob) => glob.test(repository));
}
