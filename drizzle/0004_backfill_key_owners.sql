-- Keys created before users owned keys belong to the user named in created_by (the admin who made them).
UPDATE `api_keys` SET `user_id` = (SELECT `id` FROM `users` WHERE `users`.`username` = `api_keys`.`created_by`) WHERE `user_id` IS NULL;
