-- Page transcripts and drafted world data for comics without authored text (docs/transcription.md, ADR 0031).
--
-- The OCR cache outlives a series' re-import, like vision_descriptions: one transcript per source image
-- (SHA-256 of its bytes) and engine (`tesseract.js@7.0.0+eng@…/regions-v1`), written as each page is read,
-- so a killed import resumes where it stopped and an unchanged page is never read twice.
CREATE TABLE page_transcripts (
  image_hash text NOT NULL,
  engine     text NOT NULL,
  regions    jsonb NOT NULL,
  text       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (image_hash, engine)
);

-- Where a page's `dialogue` comes from: `authored` (the pack; always wins), `ocr` or `model`.
ALTER TABLE pages ADD COLUMN dialogue_source text NOT NULL DEFAULT 'authored';
-- The engine or model that wrote a transcribed page's text, and its text regions (boxes, confidence, sound).
ALTER TABLE pages ADD COLUMN transcript_engine text;
ALTER TABLE pages ADD COLUMN transcript_regions jsonb;

-- Drafted from the story's text at import, not authored: shown as such, exported by `folio draft export`.
ALTER TABLE entities ADD COLUMN drafted boolean NOT NULL DEFAULT false;
ALTER TABLE relationships ADD COLUMN drafted boolean NOT NULL DEFAULT false;
ALTER TABLE episodes ADD COLUMN summary_drafted boolean NOT NULL DEFAULT false;
