-- Retention (service/retention.h): finished operations are pruned oldest
-- first once ACCELNET_RETENTION_S has passed; this index finds them without
-- reading the whole table.
CREATE INDEX operations_ended ON operations (end_time) WHERE end_time IS NOT NULL;
