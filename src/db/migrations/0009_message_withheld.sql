-- How many runs of an answer's sentences the spoiler guard withheld (each is a '…' in `text`), so a
-- stored conversation shows the same notice after the answer as the stream did (ADR 0020).
ALTER TABLE messages ADD COLUMN withheld integer NOT NULL DEFAULT 0;
