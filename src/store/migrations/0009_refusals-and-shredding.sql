CREATE TABLE "inbound_refusal_counts" (
	"period" timestamp with time zone NOT NULL,
	"code" text NOT NULL,
	"count" bigint NOT NULL,
	"bytes" bigint NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"last_remote_address" text,
	"last_sha256" text NOT NULL,
	"last_size" integer NOT NULL,
	CONSTRAINT "inbound_refusal_counts_period_code_pk" PRIMARY KEY("period","code")
);
--> statement-breakpoint
ALTER TABLE "inbound_refusals" ALTER COLUMN "body" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "inbound_refusals" ADD COLUMN "signer" text;--> statement-breakpoint
ALTER TABLE "inbound_refusals" ADD COLUMN "body_sha256" text;--> statement-breakpoint
ALTER TABLE "inbound_refusals" ADD COLUMN "body_size" integer;--> statement-breakpoint
CREATE INDEX "inbound_refusals_at_idx" ON "inbound_refusals" USING btree ("at");--> statement-breakpoint
CREATE INDEX "inbound_refusals_message_idx" ON "inbound_refusals" USING btree ("message_id");