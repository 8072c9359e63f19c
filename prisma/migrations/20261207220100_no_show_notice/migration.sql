-- AlterEnum (PostgreSQL 12+ runs this inside the migration's transaction; the value is not used in it)
ALTER TYPE "NotificationEvent" ADD VALUE 'no_show_notice';
