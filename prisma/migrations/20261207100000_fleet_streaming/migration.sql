-- Many instances, one truth (issue 16): what every Slotcast instance behind a balancer must agree
-- on about streams lives here, not in one process's memory.
--
-- * One publisher per reservation: at most one open publish session per reservation, whichever
--   instance admitted it. `last_seen_at` is when its server last spoke of it (nginx's update
--   call, MediaMTX's path list, the embedded server's owner); one unheard of for a while is gone.
--   `cut_at` is when an instance cut it: set once, so a cut is carried out once.
-- * One viewer, one session: an HLS viewer's requests reach any instance; `session_key` (a hash
--   of the reservation, credential and address — never the credential) names the viewer, and at
--   most one session per key is open. `last_seen_at`: its last request, or the last time the
--   instance holding its connection (HTTP-FLV) said it is still there.
-- * Wrong viewer credentials are counted per address across the fleet.
-- * Every commit to a reservation or a server is NOTIFYed, so every instance hears of it within
--   milliseconds whoever committed it (a use case, a job, an operator's SQL).

-- A second open session of one reservation cannot exist: end the older ones left by earlier versions.
UPDATE "publish_session" p SET "ended_at" = coalesce(p."ended_at", now()), "end_reason" = coalesce(p."end_reason", 'gone')
WHERE p."ended_at" IS NULL AND EXISTS (
  SELECT 1 FROM "publish_session" q
  WHERE q."reservation_id" = p."reservation_id" AND q."ended_at" IS NULL AND q."started_at" > p."started_at");

ALTER TABLE "publish_session" ADD COLUMN "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ADD COLUMN "cut_at" TIMESTAMPTZ(3);
CREATE UNIQUE INDEX "publish_session_one_open" ON "publish_session"("reservation_id") WHERE "ended_at" IS NULL;
CREATE INDEX "publish_session_open_by_client" ON "publish_session"("server_id", "client_id") WHERE "ended_at" IS NULL;

ALTER TABLE "viewer_session" ADD COLUMN "session_key" TEXT, ADD COLUMN "last_seen_at" TIMESTAMPTZ(3);
CREATE UNIQUE INDEX "viewer_session_one_open" ON "viewer_session"("reservation_id", "session_key")
  WHERE "left_at" IS NULL AND "session_key" IS NOT NULL;
-- Every viewer session opened from now on is kept alive (its requests, or the instance holding its
-- connection); one unheard of for a while has left, whoever notices.
CREATE INDEX "viewer_session_open_seen" ON "viewer_session"("last_seen_at")
  WHERE "left_at" IS NULL AND "last_seen_at" IS NOT NULL;

-- CreateTable
CREATE TABLE "viewer_wrong_try" (
    "id" BIGSERIAL NOT NULL,
    "ip" TEXT NOT NULL,
    "tried_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "viewer_wrong_try_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "viewer_wrong_try_ip_tried_at_idx" ON "viewer_wrong_try"("ip", "tried_at");

-- The gate's snapshot reads only reservations holding a slot that start before a horizon.
CREATE INDEX "reservation_holding_by_start" ON "reservation"("starts_at")
  WHERE "status" IN ('permitted', 'confirmed', 'live');

CREATE FUNCTION "slotcast_reservation_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slotcast_reservation', json_build_object(
    'id', NEW."id", 'status', NEW."status", 'startsAt', NEW."starts_at", 'serverId', NEW."server_id")::text);
  RETURN NULL;
END $$;
CREATE TRIGGER "reservation_changed" AFTER INSERT OR UPDATE ON "reservation"
  FOR EACH ROW EXECUTE FUNCTION "slotcast_reservation_changed"();

CREATE FUNCTION "slotcast_server_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slotcast_server', NEW."id"::text);
  RETURN NULL;
END $$;
CREATE TRIGGER "distribution_server_changed" AFTER INSERT OR UPDATE ON "distribution_server"
  FOR EACH ROW EXECUTE FUNCTION "slotcast_server_changed"();
