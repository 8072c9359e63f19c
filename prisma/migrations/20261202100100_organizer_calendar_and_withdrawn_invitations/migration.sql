-- AlterEnum (PostgreSQL 12+ runs this inside the migration's transaction; the values are not used in it)
-- The organizer's own calendar entry on reconfirmation (to organizers with an e-mail address).
ALTER TYPE "NotificationEvent" ADD VALUE 'confirmation_notice';
-- An invitee removed by a change: no longer invited, while the stream goes on.
ALTER TYPE "NotificationEvent" ADD VALUE 'invitation_withdrawn';
