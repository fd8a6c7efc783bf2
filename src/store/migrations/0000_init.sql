CREATE TABLE "access_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_id" text,
	"party" text,
	"action" text NOT NULL,
	"case_id" text,
	"outcome" text NOT NULL,
	"request_id" text,
	"ip" text,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"action" text NOT NULL,
	"from_state" text,
	"to_state" text,
	"party" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"message_id" text
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" text PRIMARY KEY NOT NULL,
	"requesting" text NOT NULL,
	"requested" text NOT NULL,
	"type" text NOT NULL,
	"instrument" text NOT NULL,
	"channel" text NOT NULL,
	"urgency" text NOT NULL,
	"state" text NOT NULL,
	"request" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"deadline_at" timestamp with time zone,
	"deadline_kind" text,
	"waiting_on" text,
	"search_text" text DEFAULT '' NOT NULL,
	"chain_out" text,
	"chain_in" text,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbound_refusals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"remote_address" text,
	"claimed_sender" text,
	"message_id" text,
	"reason" text NOT NULL,
	"body" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"message_id" text PRIMARY KEY NOT NULL,
	"sender" text NOT NULL,
	"case_id" text NOT NULL,
	"type" text NOT NULL,
	"hash" text NOT NULL,
	"jws" text NOT NULL,
	"status" text NOT NULL,
	"note" text,
	"received_at" timestamp with time zone NOT NULL,
	"receipt" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"case_id" text NOT NULL,
	"recipient" text NOT NULL,
	"type" text NOT NULL,
	"payload" text NOT NULL,
	"hash" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"receipt" text,
	CONSTRAINT "outbox_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "screenings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"verdict" text NOT NULL,
	"findings" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"party" text NOT NULL,
	"roles" jsonb NOT NULL,
	"password_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"demo" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screenings" ADD CONSTRAINT "screenings_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_log_case_idx" ON "access_log" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "case_events_seq_idx" ON "case_events" USING btree ("case_id","seq");--> statement-breakpoint
CREATE INDEX "cases_requesting_idx" ON "cases" USING btree ("requesting","updated_at");--> statement-breakpoint
CREATE INDEX "cases_requested_idx" ON "cases" USING btree ("requested","updated_at");--> statement-breakpoint
CREATE INDEX "cases_deadline_idx" ON "cases" USING btree ("deadline_at");--> statement-breakpoint
CREATE INDEX "inbox_case_idx" ON "inbox" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "screenings_case_idx" ON "screenings" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "tokens_user_idx" ON "tokens" USING btree ("user_id");