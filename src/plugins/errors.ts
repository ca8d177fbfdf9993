import { InputError } from '../errors.js';

/** A plugin that cannot be loaded or that broke the plugin API. Names the plugin. */
export class PluginError extends InputError {
  constructor(
    readonly plugin: string,
    readonly detail: string,
  ) {
    super(detail.startsWith('plugin ') ? detail : `plugin ${plugin}: ${detail}`);
    this.name = 'PluginError';
  }
}

/** The plugin host addon is not built or cannot be loaded. */
export class PluginHostUnavailableError extends InputError {
  constructor(readonly reason: string) {
    super(`cannot load Falco plugins: ${reason}`);
    this.name = 'PluginHostUnavailableError';
  }
}
