import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';

/** DI token for the app's pino logger: inject `AppLogger` and use it as a pino Logger. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the token class has no members
export abstract class AppLogger {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- gives the token pino's type
export interface AppLogger extends Logger {}

/** Provides the app's logger to every module of an app. */
@Module({})
export class LoggerModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggerModule,
      global: true,
      providers: [{ provide: AppLogger, useValue: logger }],
      exports: [AppLogger],
    };
  }
}
