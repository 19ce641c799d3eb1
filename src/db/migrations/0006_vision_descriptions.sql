-- Page descriptions written by a vision model at import (FOLIO_VISION_MODEL; docs/content-packs.md, ADR 0017).
--
-- The cache outlives a series' re-import (publishing replaces every page row): one description per source
-- image (SHA-256 of its bytes) and model (`provider:name`), so an unchanged page is never sent to the model
-- twice. Failures are not stored: the next import tries those pages again.
CREATE TABLE vision_descriptions (
  image_hash text NOT NULL,
  model      text NOT NULL,
  text       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (image_hash, model)
);

-- A page's machine-written description and the model that wrote it, beside the pack's own `description`
-- (which always wins: a page with one is never sent to the model). Both are chunked for retrieval and search;
-- only the pack's description is alt text and page text in the reader.
ALTER TABLE pages ADD COLUMN generated_description text;
ALTER TABLE pages ADD COLUMN generated_description_model text;
