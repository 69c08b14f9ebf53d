-- The incremental scoreboard (db_ranking.c) is kept in Redis and rebuilt from
-- these tables whenever what it was built from changes: a contest's
-- board_version counts those changes (its scoring, penalty, times, problem
-- set, and its participants: a registration, a hidden flag), so a reader
-- compares one number instead of rereading the participants.
ALTER TABLE contests ADD COLUMN board_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION contests_board_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.scoring, NEW.penalty_minutes, NEW.starts_at, NEW.freezes_at, NEW.ends_at)
       IS DISTINCT FROM
       (OLD.scoring, OLD.penalty_minutes, OLD.starts_at, OLD.freezes_at, OLD.ends_at) THEN
        NEW.board_version := OLD.board_version + 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contests_board_version BEFORE UPDATE ON contests
    FOR EACH ROW EXECUTE FUNCTION contests_board_version_bump();

CREATE FUNCTION contest_board_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contests SET board_version = board_version + 1
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.contest_id ELSE NEW.contest_id END;
    IF TG_OP = 'UPDATE' AND NEW.contest_id <> OLD.contest_id THEN
        UPDATE contests SET board_version = board_version + 1 WHERE id = OLD.contest_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER participants_board_version AFTER INSERT OR DELETE OR UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION contest_board_changed();
CREATE TRIGGER contest_problems_board_version AFTER INSERT OR DELETE OR UPDATE ON contest_problems
    FOR EACH ROW EXECUTE FUNCTION contest_board_changed();
