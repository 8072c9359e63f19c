-- What an organizer's prompt was last drawn for (the reservation's version and status), so that of
-- the instances hearing one commit only the first redraws it (src/chat/follow.ts).
ALTER TABLE "chat_message" ADD COLUMN "drawn_version" INTEGER;
ALTER TABLE "chat_message" ADD COLUMN "drawn_status" TEXT;

-- Prompts posted before: taken as showing their reservation as it is now, not all redrawn at once.
UPDATE "chat_message" AS m SET "drawn_version" = r."version", "drawn_status" = r."status"::text
  FROM "reservation" AS r WHERE r."id" = m."reservation_id" AND m."purpose" = 'prompt';
