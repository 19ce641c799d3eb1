-- Folio schema v1. Every table that holds story content carries a position
-- (episode, page) so the spoiler boundary is one row-value comparison that an
-- index on (series_id, episode, page) can serve.

CREATE TABLE series (
  id                 text PRIMARY KEY,
  title              text NOT NULL,
  description        text,
  language           text NOT NULL DEFAULT 'en',
  reading_direction  text NOT NULL DEFAULT 'ltr',
  layout             text NOT NULL DEFAULT 'paged',
  license            text,
  license_url        text,
  attribution        text NOT NULL DEFAULT '',
  author             text,
  homepage           text,
  show_unread_covers boolean NOT NULL DEFAULT false,
  content_hash       text NOT NULL,
  imported_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE episodes (
  series_id   text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  number      integer NOT NULL,
  slug        text NOT NULL,
  title       text NOT NULL,
  summary     text,
  cover       jsonb,
  license     text,
  attribution text,
  page_count  integer NOT NULL,
  first_page  integer NOT NULL,
  last_page   integer NOT NULL,
  PRIMARY KEY (series_id, number)
);

CREATE TABLE pages (
  series_id   text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  episode     integer NOT NULL,
  number      integer NOT NULL,
  kind        text NOT NULL,
  image       jsonb,
  dialogue    text NOT NULL DEFAULT '',
  description text,
  credits     text,
  PRIMARY KEY (series_id, episode, number),
  FOREIGN KEY (series_id, episode) REFERENCES episodes(series_id, number) ON DELETE CASCADE
);

CREATE TABLE chunks (
  id         bigserial PRIMARY KEY,
  series_id  text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  episode    integer NOT NULL,
  page       integer NOT NULL,
  source     text NOT NULL,
  source_ref text NOT NULL,
  ordinal    integer NOT NULL,
  text       text NOT NULL,
  tsv        tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED
);
CREATE INDEX chunks_position ON chunks (series_id, episode, page);
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);

CREATE TABLE wiki_articles (
  series_id    text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  slug         text NOT NULL,
  title        text NOT NULL,
  category     text,
  episode      integer NOT NULL,
  page         integer NOT NULL,
  debut_source text NOT NULL,
  source_path  text NOT NULL,
  PRIMARY KEY (series_id, slug)
);

CREATE TABLE wiki_sections (
  series_id    text NOT NULL,
  article_slug text NOT NULL,
  ordinal      integer NOT NULL,
  heading      text,
  episode      integer NOT NULL,
  page         integer NOT NULL,
  body         text NOT NULL,
  PRIMARY KEY (series_id, article_slug, ordinal),
  FOREIGN KEY (series_id, article_slug) REFERENCES wiki_articles(series_id, slug) ON DELETE CASCADE
);
CREATE INDEX wiki_sections_position ON wiki_sections (series_id, episode, page);

CREATE TABLE entities (
  series_id text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  slug      text NOT NULL,
  name      text NOT NULL,
  kind      text NOT NULL,
  aliases   text[] NOT NULL DEFAULT '{}',
  episode   integer NOT NULL,
  page      integer NOT NULL,
  layout_x  double precision,
  layout_y  double precision,
  image     jsonb,
  PRIMARY KEY (series_id, slug)
);
CREATE INDEX entities_position ON entities (series_id, episode, page);

-- An entity's description changes as the story reveals more: each row is shown
-- from its own position on, and the latest visible one wins.
CREATE TABLE entity_descriptions (
  series_id   text NOT NULL,
  entity_slug text NOT NULL,
  ordinal     integer NOT NULL,
  episode     integer NOT NULL,
  page        integer NOT NULL,
  text        text NOT NULL,
  PRIMARY KEY (series_id, entity_slug, ordinal),
  FOREIGN KEY (series_id, entity_slug) REFERENCES entities(series_id, slug) ON DELETE CASCADE
);

CREATE TABLE relationships (
  series_id text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  source    text NOT NULL,
  target    text NOT NULL,
  kind      text NOT NULL,
  summary   text,
  episode   integer NOT NULL,
  page      integer NOT NULL,
  PRIMARY KEY (series_id, source, target, kind),
  FOREIGN KEY (series_id, source) REFERENCES entities(series_id, slug) ON DELETE CASCADE,
  FOREIGN KEY (series_id, target) REFERENCES entities(series_id, slug) ON DELETE CASCADE
);

-- Variants already made for a source image (by content hash), so a re-import
-- of an unchanged image does no image work at all.
CREATE TABLE image_variants (
  source_hash text PRIMARY KEY,
  pipeline    text NOT NULL,
  variants    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE readers (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- The reader's furthest displayed page per series: the spoiler boundary.
CREATE TABLE progress (
  reader_id  uuid NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
  series_id  text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  episode    integer NOT NULL,
  page       integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reader_id, series_id)
);
