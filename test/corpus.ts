import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shared real corpus, read by path (never copied into the repository): FOLIO_PEPPER_CARROT_PACK, else
 * `../shared/data/pepper-carrot` beside the checkout, else the machine's `/work/shared` (a clone in a temp dir).
 */
export const PEPPER_CARROT =
  process.env.FOLIO_PEPPER_CARROT_PACK ??
  [join(process.cwd(), '..', 'shared', 'data', 'pepper-carrot'), '/work/shared/data/pepper-carrot'].find((p) => existsSync(p)) ??
  join(process.cwd(), '..', 'shared', 'data', 'pepper-carrot');
