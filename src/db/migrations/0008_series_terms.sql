-- The words of each series with the first position at which a reader can read them (ADR 0021):
-- the spoiler guard withholds a sentence using a distinctive word whose first position is after the
-- reader's, and a model's name-like word that appears nowhere the reader has reached. Written by the
-- importer in the same transaction as the rest of a series, so it always matches the published text.
-- `term` is folded and singular ("witch"), or a capitalised phrase's words joined by spaces.
CREATE TABLE series_terms (
  series_id   text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  term        text NOT NULL,
  episode     integer NOT NULL,
  page        integer NOT NULL,
  distinctive boolean NOT NULL,
  PRIMARY KEY (series_id, term)
);
