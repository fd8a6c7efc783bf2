CREATE TABLE "ledger_witnesses" (
	"witness" text PRIMARY KEY NOT NULL,
	"size" bigint NOT NULL,
	"cosigned_at" timestamp with time zone,
	"attempted_at" timestamp with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "witnessed_logs" (
	"origin" text PRIMARY KEY NOT NULL,
	"party" text NOT NULL,
	"size" bigint NOT NULL,
	"root_hash" text NOT NULL,
	"note" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- The witness carries on from the last checkpoint of each peer it checked before (its origin is the note's first
-- line), so that an upgrade cannot be used to roll a peer's log back.
INSERT INTO "witnessed_logs" ("origin", "party", "size", "root_hash", "note", "at")
SELECT DISTINCT ON ("party") split_part("note", E'\n', 1), "party", "size", "root_hash", "note", "at"
FROM "peer_checkpoints" ORDER BY "party", "size" DESC;
--> statement-breakpoint
-- Cosignatures of the home-made protocol (plain note signatures by peers' node keys) are not C2SP cosignatures.
DELETE FROM "ledger_cosignatures";
--> statement-breakpoint
DROP TABLE "peer_checkpoints" CASCADE;