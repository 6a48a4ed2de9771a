import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import type { EndpointConfig } from '@app/config';
import { AdminService } from './admin.service.js';

/** `:name` to the configured endpoint of that name; 404 when there is none. */
@Injectable()
export class EndpointPipe implements PipeTransform<string, EndpointConfig> {
  constructor(private readonly admin: AdminService) {}

  transform(name: string): EndpointConfig {
    const endpoint = this.admin.endpoint(name);
    if (!endpoint) throw new NotFoundException(`no endpoint named ${name}`);
    return endpoint;
  }
}
