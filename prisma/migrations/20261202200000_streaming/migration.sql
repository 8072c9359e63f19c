-- Issue 9: the reservation enforced where the stream happens.

-- What a distribution server is, and so what Slotcast can enforce on it. Servers added before
-- this migration become `external`: Slotcast only books them and enforces nothing.
CREATE TYPE "ServerKind" AS ENUM ('embedded', 'nginx_rtmp', 'mediamtx', 'external');

-- AlterEnum (PostgreSQL 12+ runs this inside the migration's transaction; the values are not used in it)
-- A publish the server refused, told to the organizer once per reservation and reason.
ALTER TYPE "NotificationEvent" ADD VALUE 'publish_refused';
-- After the stream: who watched, told to the organizer once.
ALTER TYPE "NotificationEvent" ADD VALUE 'attendance_summary';

-- AlterTable
ALTER TABLE "distribution_server" ADD COLUMN "kind" "ServerKind" NOT NULL DEFAULT 'external';
-- Each server's own secret for its hook calls (nginx-rtmp, MediaMTX): random, never shown in logs.
-- Two random UUIDs without dashes: 64 hex digits, 244 random bits, from the core function
-- gen_random_uuid (no pgcrypto needed).
ALTER TABLE "distribution_server" ADD COLUMN "hook_secret" TEXT NOT NULL
    DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
-- Where Slotcast reaches the server's control side (nginx-rtmp control module, MediaMTX API).
ALTER TABLE "distribution_server" ADD COLUMN "control_url" TEXT;
-- Where Slotcast reads the server's media (HLS files, HTTP-FLV) to serve viewers through its gate.
ALTER TABLE "distribution_server" ADD COLUMN "media_base_url" TEXT;
-- The set-up/teardown buffer in seconds instead of minutes: streams are admitted from
-- start − buffer and cut at end + buffer, and short buffers (seconds) are real for tests.
ALTER TABLE "distribution_server" ADD COLUMN "buffer_seconds" INTEGER NOT NULL DEFAULT 0;
UPDATE "distribution_server" SET "buffer_seconds" = "buffer_minutes" * 60;
ALTER TABLE "distribution_server" DROP CONSTRAINT "distribution_server_buffer_non_negative";
ALTER TABLE "distribution_server" DROP COLUMN "buffer_minutes";
ALTER TABLE "distribution_server" ADD CONSTRAINT "distribution_server_buffer_non_negative" CHECK ("buffer_seconds" >= 0);
CREATE UNIQUE INDEX "distribution_server_hook_secret_key" ON "distribution_server"("hook_secret");

-- CreateTable: every admitted publish (refusals live in the audit trail).
CREATE TABLE "publish_session" (
    "id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "server_id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" TEXT,

    CONSTRAINT "publish_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable: every admitted viewer (attendance).
CREATE TABLE "viewer_session" (
    "id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "credential" TEXT NOT NULL,
    "invitee" TEXT,
    "ip" TEXT NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "viewer_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable: secrets the service keeps for itself, shared by every process on the database.
CREATE TABLE "service_secret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_secret_pkey" PRIMARY KEY ("name")
);
-- The key of the viewers' personal watch links (HMAC-SHA256 of reservation and invitee).
INSERT INTO "service_secret" ("name", "value")
    VALUES ('viewer_token', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- CreateIndex
CREATE INDEX "publish_session_reservation_id_idx" ON "publish_session"("reservation_id");
CREATE INDEX "viewer_session_reservation_id_idx" ON "viewer_session"("reservation_id");

-- AddForeignKey
ALTER TABLE "publish_session" ADD CONSTRAINT "publish_session_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "publish_session" ADD CONSTRAINT "publish_session_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "distribution_server"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "viewer_session" ADD CONSTRAINT "viewer_session_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
