-- Every change that moves a reader's boundary state is announced on the channel folio_boundary once its
-- transaction commits, whoever writes it (a page turn, a reset, an import, a job, retention, SQL by hand), so a
-- process can hold boundary keys in memory and drop them when they change (src/catalog/states.ts, ADR 0036).
-- Payloads: 'r:<reader id>' (that reader's progress), 's:<series id>' (the series' content version or its
-- existence). PostgreSQL folds identical payloads of one transaction into one notification.
CREATE FUNCTION folio_progress_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('folio_boundary', 'r:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.reader_id ELSE NEW.reader_id END);
  IF TG_OP = 'UPDATE' AND OLD.reader_id IS DISTINCT FROM NEW.reader_id THEN
    PERFORM pg_notify('folio_boundary', 'r:' || OLD.reader_id);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION folio_series_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('folio_boundary', 's:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  RETURN NULL;
END
$fn$;

-- A truncate carries no rows: everything is announced as changed.
CREATE FUNCTION folio_boundary_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('folio_boundary', '*');
  RETURN NULL;
END
$fn$;

CREATE TRIGGER progress_boundary_changed AFTER INSERT OR UPDATE OR DELETE ON progress
  FOR EACH ROW EXECUTE FUNCTION folio_progress_changed();
CREATE TRIGGER series_boundary_changed AFTER INSERT OR UPDATE OR DELETE ON series
  FOR EACH ROW EXECUTE FUNCTION folio_series_changed();
CREATE TRIGGER progress_boundary_truncated AFTER TRUNCATE ON progress
  FOR EACH STATEMENT EXECUTE FUNCTION folio_boundary_truncated();
CREATE TRIGGER series_boundary_truncated AFTER TRUNCATE ON series
  FOR EACH STATEMENT EXECUTE FUNCTION folio_boundary_truncated();
