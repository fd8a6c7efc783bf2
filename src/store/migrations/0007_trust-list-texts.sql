CREATE TABLE "trust_lists" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"text" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trust_lists" ADD CONSTRAINT "trust_lists_seq_ledger_entries_seq_fk" FOREIGN KEY ("seq") REFERENCES "public"."ledger_entries"("seq") ON DELETE no action ON UPDATE no action;