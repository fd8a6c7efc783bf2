ALTER TABLE "cases" ADD COLUMN "vouched_by" jsonb;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "officer_key" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "officer_kid" text;