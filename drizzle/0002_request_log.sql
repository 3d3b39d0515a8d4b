CREATE TABLE `client_hourly_stats` (
	`hour` integer NOT NULL,
	`client_ip` text NOT NULL,
	`api_key_id` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`hour`, `client_ip`, `api_key_id`)
);
--> statement-breakpoint
CREATE TABLE `token_daily_stats` (
	`date` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`model` text NOT NULL,
	`api_key_id` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`date`, `endpoint_id`, `model`, `api_key_id`)
);
--> statement-breakpoint
ALTER TABLE `request_history` ADD `request_body_truncated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `request_history` ADD `response_body_truncated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `request_history` ADD `attempts` text;--> statement-breakpoint
CREATE INDEX `request_history_client_ip_idx` ON `request_history` (`client_ip`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_history_api_key_idx` ON `request_history` (`api_key_id`,`created_at`);