import { Module } from '@nestjs/common';
import { DebugListener } from './debug-listener.js';

/** The registry app's side of the debug listener: starts and stops its app (debug-app.module.ts). */
@Module({ providers: [DebugListener] })
export class DebugModule {}
