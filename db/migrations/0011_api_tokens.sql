-- API tokens of our own (the CLICS API's clients send `Authorization:
-- Bearer <token>`): made by `gavel token create`, shown once, stored as
-- the SHA-256 of their 256 random bits as sessions are. A token grants its
-- user's role of the moment (users.role is read at every use), so a
-- demoted organizer's tokens lose the jury's view at once. Revoked tokens
-- are kept (revoked_at) so `gavel token list` still tells what they were.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '' CHECK (length(name) <= 64),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);
