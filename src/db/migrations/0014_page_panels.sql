-- A page's panels for guided view (docs/content-packs.md `panels`, ADR 0032): rectangles in fractions of the page,
-- in the series' reading order, from the pack or found in the page image at import. NULL = show the page whole.
ALTER TABLE pages ADD COLUMN panels jsonb;
