-- AlterEnum (PostgreSQL 12+ runs this inside the migration's transaction; the value is not used in it)
ALTER TYPE "NotificationChannel" ADD VALUE 'discord_event';

-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "request_key" TEXT;

-- AlterTable
ALTER TABLE "notification" ADD COLUMN "reported_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "chat_message" (
    "id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "platform" "Platform" NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_setting" (
    "platform" "Platform" NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "time_zone" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_setting_pkey" PRIMARY KEY ("platform","tenant_id","user_id")
);

-- CreateTable
CREATE TABLE "workspace_setting" (
    "platform" "Platform" NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "notify_mode" "NotifyMode",
    "time_zone" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "workspace_setting_pkey" PRIMARY KEY ("platform","tenant_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reservation_request_key_key" ON "reservation"("request_key");

-- CreateIndex
CREATE UNIQUE INDEX "chat_message_reservation_id_platform_channel_id_purpose_key" ON "chat_message"("reservation_id", "platform", "channel_id", "purpose");

-- AddForeignKey
ALTER TABLE "chat_message" ADD CONSTRAINT "chat_message_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
