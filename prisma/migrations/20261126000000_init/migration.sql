-- Exclusion constraints on (uuid, integer, range) need GiST operator classes for plain types.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- CreateEnum
CREATE TYPE "Platform" AS ENUM ('slack', 'discord', 'api');

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('permitted', 'confirmed', 'live', 'completed', 'cancelled', 'lapsed');

-- CreateEnum
CREATE TYPE "NotifyMode" AS ENUM ('reconfirm', 'permit_and_reconfirm');

-- CreateEnum
CREATE TYPE "NotificationEvent" AS ENUM ('permit_prompt', 'invitation_tentative', 'invitation_confirmed', 'change_notice', 'cancellation_notice', 'lapse_notice', 'reconfirm_reminder', 'start_reminder', 'delivery_failure_report');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('email', 'slack_channel', 'discord_channel', 'slack_dm', 'discord_dm');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'sent', 'failed');

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "admin" BOOLEAN NOT NULL DEFAULT false,
    "email" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distribution_server" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ingest_base_url" TEXT NOT NULL,
    "playback_base_url" TEXT NOT NULL,
    "capacity" INTEGER NOT NULL DEFAULT 1,
    "buffer_minutes" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "distribution_server_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "server_id" UUID NOT NULL,
    "organizer_platform" "Platform" NOT NULL,
    "organizer_tenant_id" TEXT NOT NULL,
    "organizer_user_id" TEXT NOT NULL,
    "organizer_name" TEXT NOT NULL,
    "organizer_email" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "lane" INTEGER NOT NULL DEFAULT 0,
    "occupied" tstzrange NOT NULL,
    "status" "ReservationStatus" NOT NULL,
    "notify_mode" "NotifyMode" NOT NULL,
    "reconfirm_deadline" TIMESTAMPTZ(3) NOT NULL,
    "passcode" TEXT NOT NULL,
    "stream_key" TEXT NOT NULL,
    "emails" TEXT[],
    "slack_channels" TEXT[],
    "discord_channels" TEXT[],
    "version" INTEGER NOT NULL DEFAULT 1,
    "cancel_reason" TEXT,
    "confirmed_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification" (
    "id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "event" "NotificationEvent" NOT NULL,
    "channel" "NotificationChannel" NOT NULL,
    "recipient" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "provider_message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "reservation_id" UUID,
    "actor_platform" "Platform" NOT NULL,
    "actor_tenant_id" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_token_name_key" ON "api_token"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "distribution_server_name_key" ON "distribution_server"("name");

-- CreateIndex
CREATE UNIQUE INDEX "reservation_code_key" ON "reservation"("code");

-- CreateIndex
CREATE UNIQUE INDEX "reservation_stream_key_key" ON "reservation"("stream_key");

-- CreateIndex
CREATE INDEX "reservation_organizer_platform_organizer_tenant_id_organize_idx" ON "reservation"("organizer_platform", "organizer_tenant_id", "organizer_user_id");

-- CreateIndex
CREATE INDEX "reservation_status_reconfirm_deadline_idx" ON "reservation"("status", "reconfirm_deadline");

-- CreateIndex
CREATE UNIQUE INDEX "notification_dedupe_key_key" ON "notification"("dedupe_key");

-- CreateIndex
CREATE INDEX "notification_status_next_attempt_at_idx" ON "notification"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "notification_reservation_id_idx" ON "notification"("reservation_id");

-- CreateIndex
CREATE INDEX "audit_entry_reservation_id_idx" ON "audit_entry"("reservation_id");

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "distribution_server"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entry" ADD CONSTRAINT "audit_entry_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written beyond what schema.prisma can say (kept out of the drift test on purpose):
-- no two reservations holding a slot may occupy the same stream slot (lane) of a server at
-- overlapping times. This is the guarantee against over-booking; the application only picks the
-- lane. Its GiST index also serves the availability queries (server, lane, time range).
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_no_overlap"
    EXCLUDE USING gist ("server_id" WITH =, "lane" WITH =, "occupied" WITH &&)
    WHERE ("status" IN ('permitted', 'confirmed', 'live'));

-- Data rules the application also checks; the database refuses them even if a bug does not.
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_ends_after_start" CHECK ("ends_at" > "starts_at");
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_lane_non_negative" CHECK ("lane" >= 0);
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_occupies_its_time" CHECK (lower("occupied") = "starts_at" AND upper("occupied") >= "ends_at");
ALTER TABLE "distribution_server" ADD CONSTRAINT "distribution_server_capacity_positive" CHECK ("capacity" >= 1);
ALTER TABLE "distribution_server" ADD CONSTRAINT "distribution_server_buffer_non_negative" CHECK ("buffer_minutes" >= 0);
