/** The companion of one process, from the configuration. */
import type { Config } from '../config/env.js';
import type { Logger } from '../logger.js';
import { ModelRegistry } from '../models/registry.js';
import { EmbeddingService } from '../retrieval/embeddings.js';
import { Companion } from './companion.js';

export function modelRegistryFor(config: Config, logger: Logger): ModelRegistry {
  return new ModelRegistry({ ...config.model, probeTimeoutMs: config.chat.probeTimeoutMs }, logger);
}

export function createCompanion(config: Config, logger: Logger): Companion {
  const models = modelRegistryFor(config, logger);
  const embeddings = new EmbeddingService(models.embedder(), logger);
  return new Companion({ logger, models, embeddings, limits: config.chat });
}
