-- When an in-app notification becomes visible (milliseconds; null: at once):
-- a 5×8 contract's SLA notices wait for its working hours unless major.
ALTER TABLE notifications ADD COLUMN deliver_at BIGINT;
