CREATE TABLE "evidence_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"package_id" text NOT NULL,
	"case_id" text NOT NULL,
	"file_idx" integer,
	"at" timestamp with time zone NOT NULL,
	"event" text NOT NULL,
	"party" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ledger_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evidence_files" (
	"package_id" text NOT NULL,
	"idx" integer NOT NULL,
	"name" text NOT NULL,
	"media_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"cipher_size" bigint,
	"cipher_sha256" text,
	"collected_by" text NOT NULL,
	"collected_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"upload_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"done_at" timestamp with time zone,
	CONSTRAINT "evidence_files_package_id_idx_pk" PRIMARY KEY("package_id","idx")
);
--> statement-breakpoint
CREATE TABLE "evidence_packages" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"side" text NOT NULL,
	"producer" text NOT NULL,
	"receiver" text NOT NULL,
	"status" text NOT NULL,
	"recipient" text NOT NULL,
	"wrapped_identity" text,
	"conditions" jsonb NOT NULL,
	"retention_until" text,
	"manifest" jsonb,
	"manifest_jws" text,
	"manifest_sha256" text,
	"producer_ledger" jsonb,
	"message_id" text,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"sealed_at" timestamp with time zone,
	"received_at" timestamp with time zone,
	"shredded_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_package_id_evidence_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."evidence_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_packages" ADD CONSTRAINT "evidence_packages_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evidence_events_package_idx" ON "evidence_events" USING btree ("package_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_files_upload_idx" ON "evidence_files" USING btree ("upload_id");--> statement-breakpoint
CREATE INDEX "evidence_packages_case_idx" ON "evidence_packages" USING btree ("case_id");