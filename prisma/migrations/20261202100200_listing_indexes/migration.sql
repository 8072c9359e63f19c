-- Listing must not grow with history (see listReservationRows in src/store/reservations.ts and
-- bench/README.md, bench:scale). A listing is "overlapping [from, to), soonest first, LIMIT n".

-- Each organizer's reservations in listing order (replaces the index on the organizer alone,
-- which is its prefix, under the same name).
DROP INDEX "reservation_organizer_platform_organizer_tenant_id_organize_idx";
CREATE INDEX "reservation_organizer_platform_organizer_tenant_id_organize_idx" ON "reservation"("organizer_platform", "organizer_tenant_id", "organizer_user_id", "starts_at", "id");

-- Everyone's reservations in listing order (API admins, the sweeper).
CREATE INDEX "reservation_starts_at_id_idx" ON "reservation"("starts_at", "id");

-- Hand-written beyond what schema.prisma can say:
-- The longest reservation ever stored, read at once: it bounds how long before `from` a
-- reservation that ends after `from` can start, which turns the overlap into a range on starts_at.
CREATE INDEX "reservation_duration_idx" ON "reservation" (("ends_at" - "starts_at"));
-- Each organizer's active reservations (Slack's App Home, /reserve list in Slack and Discord):
-- a few rows per organizer however long the history.
CREATE INDEX "reservation_active_by_organizer_idx" ON "reservation"("organizer_platform", "organizer_tenant_id", "organizer_user_id", "starts_at", "id")
    WHERE ("status" IN ('permitted', 'confirmed', 'live'));
