-- AlterTable: what the request that holds `request_key` asked for (a hash of the normalized
-- command), so that a key reused for a different request is refused instead of replayed.
-- Reservations stored before this migration have none and replay as before.
ALTER TABLE "reservation" ADD COLUMN "request_fingerprint" TEXT;
