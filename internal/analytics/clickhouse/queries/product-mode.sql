-- How the server runs a subquery on a Distributed table within a query on
-- one (distributed_product_mode). The collect queries' visitor condition
-- is such a subquery; local, each shard's own table, gives the right
-- figures because a visitor's events are all on one shard.
SELECT value FROM system.settings WHERE name = 'distributed_product_mode'
