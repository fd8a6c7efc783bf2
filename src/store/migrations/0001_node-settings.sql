CREATE TABLE "node_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "settings_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"key" text NOT NULL,
	"user_id" text,
	"user_name" text,
	"before" jsonb,
	"after" jsonb NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE INDEX "settings_changes_key_idx" ON "settings_changes" USING btree ("key","at");