-- The web pages' access without passwords (issue 11): a single-use sign-in link, asked for in chat
-- (`/reserve open`) or from the CLI (`slotcast open`), opens a session in the browser. Both hold
-- the SHA-256 of their token, never the token; the actor is the one the link was issued to,
-- as the chat platform (or the API token) described them then.

-- CreateTable
CREATE TABLE "web_link" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "actor_platform" "Platform" NOT NULL,
    "actor_tenant_id" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "actor_admin" BOOLEAN NOT NULL DEFAULT false,
    "actor_email" TEXT,
    "reservation_code" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "web_session" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "link_id" UUID,
    "actor_platform" "Platform" NOT NULL,
    "actor_tenant_id" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "actor_admin" BOOLEAN NOT NULL DEFAULT false,
    "actor_email" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "web_link_token_hash_key" ON "web_link"("token_hash");

-- CreateIndex
CREATE INDEX "web_link_expires_at_idx" ON "web_link"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "web_session_token_hash_key" ON "web_session"("token_hash");

-- CreateIndex
CREATE INDEX "web_session_expires_at_idx" ON "web_session"("expires_at");

-- AddForeignKey
ALTER TABLE "web_session" ADD CONSTRAINT "web_session_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "web_link"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The key the web pages sign their cookies with and key their CSRF tokens by (the same in every
-- process of the service; stored beside the viewer-token key of 20261202200000_streaming).
INSERT INTO "service_secret" ("name", "value")
    VALUES ('web_cookie', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
