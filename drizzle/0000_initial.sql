CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `endpoint_daily_stats` (
	`endpoint_id` text NOT NULL,
	`model_id` text NOT NULL,
	`date` text NOT NULL,
	`api_kind` text NOT NULL,
	`total_requests` integer DEFAULT 0 NOT NULL,
	`successful_requests` integer DEFAULT 0 NOT NULL,
	`failed_requests` integer DEFAULT 0 NOT NULL,
	`total_input_tokens` integer DEFAULT 0 NOT NULL,
	`total_output_tokens` integer DEFAULT 0 NOT NULL,
	`total_duration_ms` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`endpoint_id`, `model_id`, `date`, `api_kind`)
);
--> statement-breakpoint
CREATE INDEX `endpoint_daily_stats_date_idx` ON `endpoint_daily_stats` (`date`);--> statement-breakpoint
CREATE TABLE `endpoint_models` (
	`endpoint_id` text NOT NULL,
	`model_id` text NOT NULL,
	`owned_by` text,
	`metadata` text,
	`added_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`endpoint_id`, `model_id`),
	FOREIGN KEY (`endpoint_id`) REFERENCES `endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`base_url` text NOT NULL,
	`api_key_encrypted` text,
	`endpoint_type` text DEFAULT 'openai_compatible' NOT NULL,
	`type_explicit` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`latency_ms` real,
	`last_seen` integer,
	`last_error` text,
	`error_count` integer DEFAULT 0 NOT NULL,
	`health_check_interval_secs` integer DEFAULT 30 NOT NULL,
	`inference_timeout_secs` integer DEFAULT 120 NOT NULL,
	`max_concurrency` integer,
	`notes` text,
	`registered_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`total_requests` integer DEFAULT 0 NOT NULL,
	`successful_requests` integer DEFAULT 0 NOT NULL,
	`failed_requests` integer DEFAULT 0 NOT NULL,
	`total_input_tokens` integer DEFAULT 0 NOT NULL,
	`total_output_tokens` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_name_unique` ON `endpoints` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `endpoints_base_url_unique` ON `endpoints` (`base_url`);--> statement-breakpoint
CREATE TABLE `model_tps_state` (
	`instance_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`model_id` text NOT NULL,
	`api_kind` text NOT NULL,
	`tps_ema` real,
	`ttft_ema_ms` real,
	`decode_tps_ema` real,
	`request_count` integer DEFAULT 0 NOT NULL,
	`total_output_tokens` integer DEFAULT 0 NOT NULL,
	`total_duration_ms` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `endpoint_id`, `model_id`, `api_kind`)
);
--> statement-breakpoint
CREATE TABLE `request_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`endpoint_id` text,
	`endpoint_name` text,
	`model` text NOT NULL,
	`api_kind` text NOT NULL,
	`stream` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`status_code` integer NOT NULL,
	`error` text,
	`duration_ms` integer NOT NULL,
	`ttft_ms` integer,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`tokens_estimated` integer DEFAULT false NOT NULL,
	`client_ip` text,
	`api_key_id` text,
	`request_body` text,
	`response_body` text
);
--> statement-breakpoint
CREATE INDEX `request_history_created_at_idx` ON `request_history` (`created_at`);--> statement-breakpoint
CREATE INDEX `request_history_endpoint_idx` ON `request_history` (`endpoint_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `request_history_model_idx` ON `request_history` (`model`,`created_at`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_expires_at_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'viewer' NOT NULL,
	`must_change_password` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);