import { z } from 'zod';
import { SERIES_ID } from '../content/pack-schema.js';

export const seriesIdParam = z.string().regex(SERIES_ID, 'must be a series id such as "pepper-carrot"');
export const numberParam = z
  .string()
  .regex(/^\d{1,7}$/, 'must be a whole number')
  .transform(Number);
