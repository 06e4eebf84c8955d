-- Each database's audit chain has an id of its own, made when the database is created: every checkpoint names
-- it, so checkpoints of one database (the test database, a staging copy) are never checked against another's
-- chain, and each database's checkpoint file is its own.
CREATE TABLE audit_identity (
    only_one   boolean     PRIMARY KEY DEFAULT true CHECK (only_one),
    chain_id   uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_identity DEFAULT VALUES;
CREATE TRIGGER audit_identity_no_change BEFORE UPDATE OR DELETE ON audit_identity
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_identity_no_truncate BEFORE TRUNCATE ON audit_identity
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The chain a checkpoint signs (part of what is signed). Null for checkpoints signed before chains had ids:
-- those in the database are its own; those in a file cannot be told apart and are not used.
ALTER TABLE audit_checkpoints ADD COLUMN chain_id uuid;

REVOKE ALL ON audit_identity FROM PUBLIC, np_app;
GRANT SELECT ON audit_identity TO np_app, np_auditor;
ALTER TABLE audit_identity OWNER TO np_audit_owner;
