-- What the catalog shows of a series (its row, its episodes, its pages) gets a new content_version with every change,
-- from any writer (an import, a transcription or draft job, a settings change, a delete): cached reader responses
-- are keyed by it (src/catalog/cache.ts, ADR 0033). One sequence for all series, so a series deleted and imported
-- again never meets a version it had before.
CREATE SEQUENCE series_content_version;
ALTER TABLE series ADD COLUMN content_version bigint NOT NULL DEFAULT nextval('series_content_version');

CREATE FUNCTION folio_series_row_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.content_version := nextval('series_content_version');
  RETURN NEW;
END
$fn$;

CREATE FUNCTION folio_series_content_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE series SET content_version = nextval('series_content_version')
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.series_id ELSE NEW.series_id END;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER series_content_version BEFORE UPDATE ON series
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION folio_series_row_changed();
CREATE TRIGGER episodes_content_version AFTER INSERT OR UPDATE OR DELETE ON episodes
  FOR EACH ROW EXECUTE FUNCTION folio_series_content_changed();
CREATE TRIGGER pages_content_version AFTER INSERT OR UPDATE OR DELETE ON pages
  FOR EACH ROW EXECUTE FUNCTION folio_series_content_changed();
