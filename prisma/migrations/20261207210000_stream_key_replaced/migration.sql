-- Issue 17: the organizer replaced a leaked stream key; they are told once (never the key).
ALTER TYPE "NotificationEvent" ADD VALUE 'stream_key_replaced';
