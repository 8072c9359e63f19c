-- Issue 17: the organizer replaced a leaked stream key; they are told once (never the key).
ALTER TYPE "NotificationEvent" ADD VALUE 'stream_key_replaced';

-- Which key a publisher streams with, as a SHA-256 digest (never the key): a replaced key cuts
-- the sessions of the old key only, never one the new key opened a moment later.
ALTER TABLE "publish_session" ADD COLUMN "key_digest" TEXT;
