-- On a cluster, the table the queries name: a Distributed table over the
-- shards' tables of its name with _local appended, of the same columns.
-- The store fills in the table's name, the cluster's and database's (as
-- string literals) and the sharding key.
CREATE TABLE IF NOT EXISTS /*table*/ AS /*table*/_local
ENGINE = Distributed(/*cluster*/, /*database*/, /*table*/_local, /*key*/)
