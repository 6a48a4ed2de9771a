import type { NextFunction, Request, Response } from 'express';

/** `http.headers`: set on every response (distribution's http.headers), before any handler runs. */
export function responseHeaders(
  headers: Record<string, string[]>,
): (req: Request, res: Response, next: NextFunction) => void {
  const entries = Object.entries(headers).filter(([, values]) => values.length > 0);
  return (_req, res, next) => {
    for (const [name, values] of entries) res.setHeader(name, values.length === 1 ? values[0] : values);
    next();
  };
}
