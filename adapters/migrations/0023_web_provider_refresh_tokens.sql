-- The identity provider's refresh tokens of page sessions (web.oidc), kept on the server and
-- never in the browser's cookie: sealed (AES-GCM, a key derived from SUKUMA_SECRET_KEY, the
-- session's id bound in), one row per page session that signed in through the provider,
-- deleted on sign-out or a failed refresh, and purged once past its session's lifetime.
CREATE TABLE IF NOT EXISTS web_provider_sessions (
    session_id text PRIMARY KEY,
    user_id text NOT NULL,
    sealed_refresh_token bytea NOT NULL,
    -- When the session's ID token, as last refreshed, expires (another request may adopt it).
    token_until timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS web_provider_sessions_expires ON web_provider_sessions (expires_at);
